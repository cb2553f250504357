/* loop: poll(2) reactor. Watches live in a small array, timers in an unsorted array
 * (a handful at a time in this program, so a scan beats a heap). */
#include "core/loop.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#include "core/mem.h"

struct watch {
    int fd;
    int events;
    loop_fd_fn fn;
    void *userdata;
};

struct timer {
    uint64_t id;
    int64_t due_ms;
    int64_t repeat_ms;
    loop_timer_fn fn;
    void *userdata;
};

struct hook {
    loop_hook_fn fn;
    void *userdata;
};

struct loop {
    struct watch *watches;
    size_t watch_count, watch_cap;
    struct timer *timers;
    size_t timer_count, timer_cap;
    struct hook *hooks;
    size_t hook_count;
    uint64_t next_timer_id;
    bool is_stopped;
    struct pollfd *pfds;
    size_t pfd_cap;
};

int64_t loop_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t loop_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct loop *loop_new(void)
{
    struct loop *loop = xcalloc(1, sizeof *loop);
    loop->next_timer_id = 1;
    return loop;
}

void loop_free(struct loop *loop)
{
    if (!loop)
        return;
    free(loop->watches);
    free(loop->timers);
    free(loop->hooks);
    free(loop->pfds);
    free(loop);
}

static struct watch *find_watch(struct loop *loop, int fd)
{
    for (size_t i = 0; i < loop->watch_count; i++)
        if (loop->watches[i].fd == fd)
            return &loop->watches[i];
    return NULL;
}

enum err loop_watch_fd(struct loop *loop, int fd, int events, loop_fd_fn fn, void *userdata)
{
    if (fd < 0 || !fn)
        return ERR_INVALID;
    struct watch *w = find_watch(loop, fd);
    if (!w) {
        if (loop->watch_count == loop->watch_cap) {
            loop->watch_cap = loop->watch_cap ? loop->watch_cap * 2 : 8;
            loop->watches = xreallocarray(loop->watches, loop->watch_cap, sizeof *loop->watches);
        }
        w = &loop->watches[loop->watch_count++];
    }
    w->fd = fd;
    w->events = events;
    w->fn = fn;
    w->userdata = userdata;
    return ERR_OK;
}

void loop_unwatch_fd(struct loop *loop, int fd)
{
    for (size_t i = 0; i < loop->watch_count; i++) {
        if (loop->watches[i].fd == fd) {
            loop->watches[i] = loop->watches[--loop->watch_count];
            return;
        }
    }
}

uint64_t loop_timer_add(struct loop *loop, int64_t delay_ms, int64_t repeat_ms, loop_timer_fn fn,
                        void *userdata)
{
    if (loop->timer_count == loop->timer_cap) {
        loop->timer_cap = loop->timer_cap ? loop->timer_cap * 2 : 8;
        loop->timers = xreallocarray(loop->timers, loop->timer_cap, sizeof *loop->timers);
    }
    struct timer *t = &loop->timers[loop->timer_count++];
    t->id = loop->next_timer_id++;
    t->due_ms = loop_now_ms() + (delay_ms > 0 ? delay_ms : 0);
    t->repeat_ms = repeat_ms;
    t->fn = fn;
    t->userdata = userdata;
    return t->id;
}

void loop_timer_cancel(struct loop *loop, uint64_t timer_id)
{
    for (size_t i = 0; i < loop->timer_count; i++) {
        if (loop->timers[i].id == timer_id) {
            loop->timers[i] = loop->timers[--loop->timer_count];
            return;
        }
    }
}

void loop_add_before_sleep(struct loop *loop, loop_hook_fn fn, void *userdata)
{
    loop->hooks = xreallocarray(loop->hooks, loop->hook_count + 1, sizeof *loop->hooks);
    loop->hooks[loop->hook_count].fn = fn;
    loop->hooks[loop->hook_count].userdata = userdata;
    loop->hook_count++;
}

bool loop_has_pending_timers(const struct loop *loop)
{
    int64_t now = loop_now_ms();
    for (size_t i = 0; i < loop->timer_count; i++)
        if (loop->timers[i].repeat_ms <= 0 && loop->timers[i].due_ms <= now)
            return true;
    return false;
}

static int next_timeout(const struct loop *loop, int max_wait_ms)
{
    int64_t now = loop_now_ms();
    int64_t best = max_wait_ms;
    for (size_t i = 0; i < loop->timer_count; i++) {
        int64_t left = loop->timers[i].due_ms - now;
        if (left < 0)
            left = 0;
        if (best < 0 || left < best)
            best = left;
    }
    return (int)best;
}

static void run_due_timers(struct loop *loop)
{
    int64_t now = loop_now_ms();
    /* A callback may add or cancel timers, so look each due one up by id afresh. */
    for (;;) {
        struct timer *due = NULL;
        for (size_t i = 0; i < loop->timer_count; i++) {
            if (loop->timers[i].due_ms <= now && (!due || loop->timers[i].due_ms < due->due_ms))
                due = &loop->timers[i];
        }
        if (!due || loop->is_stopped)
            return;
        struct timer t = *due;
        if (t.repeat_ms > 0)
            due->due_ms = now + t.repeat_ms;
        else
            loop_timer_cancel(loop, t.id);
        t.fn(loop, t.id, t.userdata);
    }
}

bool loop_run_once(struct loop *loop, int max_wait_ms)
{
    if (loop->is_stopped)
        return false;
    for (size_t i = 0; i < loop->hook_count; i++)
        loop->hooks[i].fn(loop, loop->hooks[i].userdata);
    if (loop->is_stopped)
        return false;

    if (loop->pfd_cap < loop->watch_count) {
        loop->pfd_cap = loop->watch_count;
        loop->pfds = xreallocarray(loop->pfds, loop->pfd_cap, sizeof *loop->pfds);
    }
    size_t n = loop->watch_count;
    for (size_t i = 0; i < n; i++) {
        loop->pfds[i].fd = loop->watches[i].events ? loop->watches[i].fd : -1;
        loop->pfds[i].events = (short)(((loop->watches[i].events & LOOP_READ) ? POLLIN : 0) |
                                       ((loop->watches[i].events & LOOP_WRITE) ? POLLOUT : 0));
        loop->pfds[i].revents = 0;
    }
    int rc = poll(loop->pfds, n, next_timeout(loop, max_wait_ms));
    if (rc > 0) {
        for (size_t i = 0; i < n && !loop->is_stopped; i++) {
            short re = loop->pfds[i].revents;
            if (!re || loop->pfds[i].fd < 0)
                continue;
            /* The callback of an earlier fd may have unwatched this one. */
            struct watch *w = find_watch(loop, loop->pfds[i].fd);
            if (!w)
                continue;
            int mask = ((re & POLLIN) ? LOOP_READ : 0) | ((re & POLLOUT) ? LOOP_WRITE : 0) |
                       ((re & (POLLERR | POLLHUP | POLLNVAL)) ? LOOP_ERROR : 0);
            w->fn(loop, w->fd, mask, w->userdata);
        }
    } else if (rc < 0 && errno != EINTR) {
        return !loop->is_stopped;
    }
    run_due_timers(loop);
    return !loop->is_stopped;
}

void loop_run(struct loop *loop)
{
    while (loop_run_once(loop, -1))
        ;
}

void loop_stop(struct loop *loop)
{
    loop->is_stopped = true;
}
