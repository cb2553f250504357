/* term: curses setup/teardown and the signal plumbing. The only mutable globals of tui/ live
 * here: the self-pipe and the "curses is active" flag the fatal hook reads. */
#include "tui/term.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/mem.h"
#include "tui/curses.h"

#define OSC52_MAX (100 * 1024)

struct term {
    struct loop *loop;
    term_event_fn fn;
    void *userdata;
    SCREEN *screen;
    bool has_color;
    int colors;
    bool use_mouse;
    bool is_headless;
    FILE *null_out, *null_in; /* headless: curses' terminal */
    struct sigaction old[6];
};

static const int handled_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGCONT, SIGTSTP};
#define SIGNAL_COUNT (sizeof handled_signals / sizeof handled_signals[0])

static int signal_pipe[2] = {-1, -1};
static volatile sig_atomic_t is_curses_active;

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (signal_pipe[1] >= 0) {
        ssize_t n = write(signal_pipe[1], &b, 1);
        (void)n; /* a full pipe already holds a wake-up */
    }
    errno = saved;
}

void term_restore(void)
{
    if (!is_curses_active)
        return;
    is_curses_active = 0;
    endwin();
}

static void fatal_hook(void)
{
    term_restore();
}

static void dispatch(struct term *t, int sig)
{
    /* Headless, the real terminal (if any) is not ours: its size and Ctrl-Z do not apply. */
    if (t->is_headless && sig != SIGINT && sig != SIGTERM && sig != SIGHUP)
        return;
    switch (sig) {
    case SIGINT:
    case SIGTERM:
    case SIGHUP:
        t->fn(t->userdata, TERM_EVENT_QUIT);
        break;
    case SIGWINCH:
        t->fn(t->userdata, TERM_EVENT_RESIZE);
        break;
    case SIGTSTP:
        term_suspend(t);
        t->fn(t->userdata, TERM_EVENT_RESIZE);
        t->fn(t->userdata, TERM_EVENT_REPAINT);
        break;
    case SIGCONT:
        /* Resumed by someone else's SIGCONT (e.g. after `kill -STOP`): repaint. */
        if (is_curses_active) {
            t->fn(t->userdata, TERM_EVENT_RESIZE);
            t->fn(t->userdata, TERM_EVENT_REPAINT);
        }
        break;
    default:
        break;
    }
}

static void on_pipe(struct loop *loop, int fd, int revents, void *userdata)
{
    (void)loop;
    (void)revents;
    struct term *t = userdata;
    unsigned char buf[64];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n; i++)
            dispatch(t, buf[i]);
}

static void set_nonblock_cloexec(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static void curses_modes(struct term *t)
{
    raw();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    meta(stdscr, TRUE);
    if (t->use_mouse) {
        mousemask(BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
        mouseinterval(0);
    }
}

static void install_signals(struct term *t)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < SIGNAL_COUNT; i++)
        sigaction(handled_signals[i], &sa, &t->old[i]);
}

/* LINES or COLUMNS from the environment, else fallback. */
static int env_size(const char *name, int fallback)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return fallback;
    char *end;
    long n = strtol(v, &end, 10);
    return *end == '\0' && n > 0 && n <= 1000 ? (int)n : fallback;
}

/* Headless: curses draws into memory (its output goes to /dev/null) and reads no keys; the
 * screen tests feed keys through tui/headless and read the screen with screen_dump. */
static enum err open_headless(const struct term_options *opt, struct loop *loop,
                              term_event_fn fn, void *userdata, struct term **out, char *err,
                              size_t errlen)
{
    struct term *t = xcalloc(1, sizeof *t);
    t->loop = loop;
    t->fn = fn;
    t->userdata = userdata;
    t->is_headless = true;
    t->null_out = fopen("/dev/null", "w");
    t->null_in = fopen("/dev/null", "r");
    const char *type = getenv("TERM");
    if (!type || !*type || strcmp(type, "dumb") == 0)
        type = "xterm-256color";
    if (t->null_out && t->null_in)
        t->screen = newterm(type, t->null_out, t->null_in);
    if (!t->screen) {
        snprintf(err, errlen, "headless: cannot set up curses for the terminal type '%s'", type);
        if (t->null_out)
            fclose(t->null_out);
        if (t->null_in)
            fclose(t->null_in);
        free(t);
        return ERR_UNSUPPORTED;
    }
    if (pipe(signal_pipe) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        delscreen(t->screen);
        fclose(t->null_out);
        fclose(t->null_in);
        free(t);
        return ERR_IO;
    }
    set_nonblock_cloexec(signal_pipe[0]);
    set_nonblock_cloexec(signal_pipe[1]);
    install_signals(t);
    set_term(t->screen);
    is_curses_active = 1;
    mem_set_fatal_hook(fatal_hook);
    log_set_stderr(false);
    curses_modes(t);
    if (opt->use_color && has_colors()) {
        start_color();
        use_default_colors();
        t->has_color = true;
        t->colors = COLORS;
    }
    resizeterm(env_size("LINES", 24), env_size("COLUMNS", 80));
    loop_watch_fd(loop, signal_pipe[0], LOOP_READ, on_pipe, t);
    *out = t;
    return ERR_OK;
}

enum err term_open(const struct term_options *opt, struct loop *loop, term_event_fn fn,
                   void *userdata, struct term **out, char *err, size_t errlen)
{
    *out = NULL;
    if (opt->is_headless)
        return open_headless(opt, loop, fn, userdata, out, err, errlen);
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        snprintf(err, errlen, "the full-screen assistant needs a terminal (try 'cca ask')");
        return ERR_UNSUPPORTED;
    }
    if (pipe(signal_pipe) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return ERR_IO;
    }
    set_nonblock_cloexec(signal_pipe[0]);
    set_nonblock_cloexec(signal_pipe[1]);
    struct term *t = xcalloc(1, sizeof *t);
    t->loop = loop;
    t->fn = fn;
    t->userdata = userdata;
    t->use_mouse = opt->use_mouse;

    /* Our SIGWINCH handler goes in first so ncurses does not install its own. */
    install_signals(t);

    /* A short ESC delay keeps Esc responsive while Alt-x still arrives as ESC x. */
    if (!getenv("ESCDELAY"))
        setenv("ESCDELAY", "25", 1);
    t->screen = newterm(NULL, stdout, stdin);
    if (!t->screen) {
        snprintf(err, errlen, "cannot use the terminal type '%s' (set TERM, e.g. xterm-256color)",
                 getenv("TERM") ? getenv("TERM") : "");
        for (size_t i = 0; i < SIGNAL_COUNT; i++)
            sigaction(handled_signals[i], &t->old[i], NULL);
        close(signal_pipe[0]);
        close(signal_pipe[1]);
        signal_pipe[0] = signal_pipe[1] = -1;
        free(t);
        return ERR_UNSUPPORTED;
    }
    set_term(t->screen);
    is_curses_active = 1;
    mem_set_fatal_hook(fatal_hook);
    log_set_stderr(false);
    set_escdelay(25);
    curses_modes(t);
    if (opt->use_color && has_colors()) {
        start_color();
        use_default_colors();
        t->has_color = true;
        t->colors = COLORS;
    }
    curs_set(1);
    loop_watch_fd(loop, signal_pipe[0], LOOP_READ, on_pipe, t);
    *out = t;
    return ERR_OK;
}

void term_close(struct term *t)
{
    if (!t)
        return;
    if (t->use_mouse)
        mousemask(0, NULL);
    term_restore();
    loop_unwatch_fd(t->loop, signal_pipe[0]);
    if (t->screen)
        delscreen(t->screen);
    for (size_t i = 0; i < SIGNAL_COUNT; i++)
        sigaction(handled_signals[i], &t->old[i], NULL);
    close(signal_pipe[0]);
    close(signal_pipe[1]);
    signal_pipe[0] = signal_pipe[1] = -1;
    mem_set_fatal_hook(NULL);
    if (t->null_out)
        fclose(t->null_out);
    if (t->null_in)
        fclose(t->null_in);
    free(t);
}

void term_update_size(struct term *t, int *rows, int *cols)
{
    struct winsize ws;
    if (!t->is_headless && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
        ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
    term_size(rows, cols);
}

void term_set_size(struct term *t, int rows, int cols)
{
    (void)t;
    if (rows > 0 && cols > 0)
        resizeterm(rows, cols);
}

void term_size(int *rows, int *cols)
{
    *rows = LINES;
    *cols = COLS;
}

bool term_has_color(const struct term *t)
{
    return t->has_color;
}

int term_color_count(const struct term *t)
{
    return t->colors;
}

void term_suspend(struct term *t)
{
    if (t->is_headless)
        return;
    endwin();
    is_curses_active = 0;
    /* Stop with the default action, then come back here on SIGCONT. */
    struct sigaction dfl, ours;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGTSTP, &dfl, &ours);
    raise(SIGTSTP);
    sigaction(SIGTSTP, &ours, NULL);
    is_curses_active = 1;
    curses_modes(t);
    clearok(curscr, TRUE);
    refresh();
}

enum err term_run(struct term *t, const char *const *argv, int *exit_status, char *err,
                  size_t errlen)
{
    *exit_status = -1;
    /* Like system(3): while the child has the terminal, Ctrl-C and Ctrl-\ are its business;
     * so is Ctrl-Z (an editor that suspends itself signals its whole process group, us
     * included: the stop is followed through waitpid below instead). The child gets the
     * default dispositions back. */
    struct sigaction ign, old_int, old_quit, old_tstp;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);
    sigaction(SIGTSTP, &ign, &old_tstp);
    if (!t->is_headless) {
        endwin();
        is_curses_active = 0;
    }
    pid_t pid = fork();
    if (pid == 0) {
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        for (size_t i = 0; i < SIGNAL_COUNT; i++)
            sigaction(handled_signals[i], &dfl, NULL);
        sigaction(SIGQUIT, &dfl, NULL);
        sigaction(SIGPIPE, &dfl, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (t->is_headless) { /* no terminal to lend: the program runs without one */
            int fd = open("/dev/null", O_RDWR);
            if (fd >= 0) {
                dup2(fd, STDIN_FILENO);
                dup2(fd, STDOUT_FILENO);
                dup2(fd, STDERR_FILENO);
            }
        }
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    enum err e = ERR_OK;
    if (pid < 0) {
        snprintf(err, errlen, "cannot start %s: %s", argv[0], strerror(errno));
        e = ERR_IO;
    } else {
        int ws = 0;
        pid_t r;
        for (;;) {
            r = waitpid(pid, &ws, WUNTRACED);
            if (r < 0 && errno == EINTR)
                continue;
            if (r > 0 && WIFSTOPPED(ws)) {
                /* The program was suspended (Ctrl-Z in the editor): stop with it, so the
                 * shell's job control sees the job stopped; fg continues both. */
                raise(SIGSTOP);
                kill(pid, SIGCONT);
                continue;
            }
            break;
        }
        if (r < 0) {
            snprintf(err, errlen, "lost %s: %s", argv[0], strerror(errno));
            e = ERR_IO;
        } else {
            *exit_status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
        }
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    sigaction(SIGTSTP, &old_tstp, NULL);
    if (!t->is_headless) {
        is_curses_active = 1;
        curses_modes(t);
        clearok(curscr, TRUE);
        refresh();
    }
    return e;
}

static void base64_encode(struct buf *out, const unsigned char *in, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    for (; i + 2 < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        char q[4] = {alphabet[v >> 18], alphabet[(v >> 12) & 63], alphabet[(v >> 6) & 63],
                     alphabet[v & 63]};
        buf_append(out, q, 4);
    }
    if (i < len) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? (unsigned)in[i + 1] << 8 : 0);
        char q[4] = {alphabet[v >> 18], alphabet[(v >> 12) & 63],
                     i + 1 < len ? alphabet[(v >> 6) & 63] : '=', '='};
        buf_append(out, q, 4);
    }
}

enum err term_copy_to_clipboard(struct term *t, const char *text, size_t len)
{
    if (len > OSC52_MAX)
        return ERR_TOO_LARGE;
    if (t->is_headless)
        return ERR_UNSUPPORTED;
    struct buf seq;
    buf_init(&seq, OSC52_MAX * 2);
    const char *tmux = getenv("TMUX");
    /* tmux forwards OSC 52 to the outer terminal itself when set-clipboard is on (its
     * default "external" does so for applications); plain screen needs a DCS wrapper. */
    const char *term_name = getenv("TERM");
    bool is_screen = !tmux && term_name && strncmp(term_name, "screen", 6) == 0;
    if (is_screen)
        buf_append_str(&seq, "\033P");
    buf_append_str(&seq, "\033]52;c;");
    base64_encode(&seq, (const unsigned char *)text, len);
    buf_append_str(&seq, "\a");
    if (is_screen)
        buf_append_str(&seq, "\033\\");
    enum err e = ERR_OK;
    int fd = open("/dev/tty", O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        fd = dup(STDOUT_FILENO);
    if (fd < 0) {
        e = ERR_IO;
    } else {
        size_t off = 0;
        while (off < seq.len) {
            ssize_t n = write(fd, seq.data + off, seq.len - off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                e = ERR_IO;
                break;
            }
            off += (size_t)n;
        }
        close(fd);
    }
    buf_cleanup(&seq);
    return e;
}
