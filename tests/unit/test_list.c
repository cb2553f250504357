/* test_list: every move from a table of states with the exact selection and view it leaves,
 * the invariants after long pseudo-random walks over every small size, and search (case
 * folding, UTF-8, wrapping, direction). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tui/list.h"

enum op {
    OP_UP,
    OP_DOWN,
    OP_MOVE,
    OP_PGUP,
    OP_PGDN,
    OP_HOME,
    OP_END,
    OP_SCROLL,
    OP_SELECT,
    OP_COUNT,
    OP_HEIGHT,
    OP_ROW,
    OP__N
};

static const char *const op_names[] = {"up",  "down",   "move",   "pgup",  "pgdn",   "home",
                                       "end", "scroll", "select", "count", "height", "row"};

static bool apply(struct list *l, enum op op, long arg)
{
    switch (op) {
    case OP_UP:
        return list_up(l);
    case OP_DOWN:
        return list_down(l);
    case OP_MOVE:
        return list_move(l, arg);
    case OP_PGUP:
        return list_page_up(l);
    case OP_PGDN:
        return list_page_down(l);
    case OP_HOME:
        return list_home(l);
    case OP_END:
        return list_end(l);
    case OP_SCROLL:
        return list_scroll(l, arg);
    case OP_SELECT:
        return list_select(l, (size_t)arg);
    case OP_COUNT:
        list_set_count(l, (size_t)arg);
        return true;
    case OP_HEIGHT:
        list_set_height(l, (int)arg);
        return true;
    case OP_ROW:
        return list_select_row(l, (int)arg);
    case OP__N:
        break;
    }
    return false;
}

static void check_invariants(const struct list *l, const char *what)
{
    bool ok = true;
    size_t h = l->height > 0 ? (size_t)l->height : 1;
    if (l->count == 0) {
        ok = l->selected == 0 && l->top == 0;
    } else {
        ok = l->selected < l->count && l->top <= l->selected && l->selected < l->top + h;
        /* no blank rows at the bottom while items are hidden above */
        if (ok && l->top > 0)
            ok = l->count - l->top >= h;
    }
    if (!ok)
        print_error("%s: count %zu height %d selected %zu top %zu\n", what, l->count, l->height,
                    l->selected, l->top);
    assert_true(ok);
}

static void test_list_moves(void **state)
{
    (void)state;
    static const struct {
        size_t count;
        int height;
        size_t selected, top;
        enum op op;
        long arg;
        size_t want_selected, want_top;
        bool want_changed;
    } cases[] = {
        /* empty list: nothing moves */
        {0, 5, 0, 0, OP_DOWN, 0, 0, 0, false},
        {0, 5, 0, 0, OP_UP, 0, 0, 0, false},
        {0, 5, 0, 0, OP_PGDN, 0, 0, 0, false},
        {0, 5, 0, 0, OP_END, 0, 0, 0, false},
        {0, 5, 0, 0, OP_HOME, 0, 0, 0, false},
        {0, 5, 0, 0, OP_SCROLL, 3, 0, 0, false},
        {0, 5, 0, 0, OP_SELECT, 4, 0, 0, false},
        /* up / down inside the view, at the ends, and scrolling the view by one */
        {10, 5, 2, 0, OP_DOWN, 0, 3, 0, true},
        {10, 5, 2, 0, OP_UP, 0, 1, 0, true},
        {10, 5, 0, 0, OP_UP, 0, 0, 0, false},
        {10, 5, 9, 5, OP_DOWN, 0, 9, 5, false},
        {10, 5, 4, 0, OP_DOWN, 0, 5, 1, true},
        {10, 5, 5, 5, OP_UP, 0, 4, 4, true},
        {1, 5, 0, 0, OP_DOWN, 0, 0, 0, false},
        /* move by more than one, clamped */
        {10, 5, 2, 0, OP_MOVE, 3, 5, 1, true},
        {10, 5, 2, 0, OP_MOVE, 100, 9, 5, true},
        {10, 5, 8, 4, OP_MOVE, -100, 0, 0, true},
        {10, 5, 8, 4, OP_MOVE, 0, 8, 4, false},
        {10, 5, 3, 0, OP_MOVE, -2, 1, 0, true},
        /* page down keeps the row on screen; clamps at the end */
        {100, 10, 3, 0, OP_PGDN, 0, 13, 10, true},
        {100, 10, 13, 10, OP_PGDN, 0, 23, 20, true},
        {25, 10, 12, 10, OP_PGDN, 0, 22, 15, true},
        {25, 10, 22, 15, OP_PGDN, 0, 24, 15, true},
        {25, 10, 24, 15, OP_PGDN, 0, 24, 15, false},
        {5, 10, 0, 0, OP_PGDN, 0, 4, 0, true},
        /* page up, symmetric */
        {100, 10, 23, 20, OP_PGUP, 0, 13, 10, true},
        {100, 10, 13, 10, OP_PGUP, 0, 3, 0, true},
        {100, 10, 3, 0, OP_PGUP, 0, 0, 0, true},
        {100, 10, 0, 0, OP_PGUP, 0, 0, 0, false},
        {25, 10, 16, 15, OP_PGUP, 0, 6, 5, true},
        /* home / end */
        {100, 10, 50, 45, OP_HOME, 0, 0, 0, true},
        {100, 10, 0, 0, OP_HOME, 0, 0, 0, false},
        {100, 10, 50, 45, OP_END, 0, 99, 90, true},
        {100, 10, 99, 90, OP_END, 0, 99, 90, false},
        {3, 10, 0, 0, OP_END, 0, 2, 0, true},
        /* wheel: the view moves, the selection is dragged only at the edges */
        {100, 10, 5, 0, OP_SCROLL, 3, 5, 3, true},
        {100, 10, 5, 0, OP_SCROLL, 8, 8, 8, true},
        {100, 10, 50, 45, OP_SCROLL, -3, 50, 42, true},
        {100, 10, 54, 45, OP_SCROLL, -3, 51, 42, true},
        {100, 10, 95, 90, OP_SCROLL, 3, 95, 90, false},
        {100, 10, 5, 0, OP_SCROLL, -3, 5, 0, false},
        {100, 10, 5, 0, OP_SCROLL, 1000, 90, 90, true},
        {100, 10, 95, 90, OP_SCROLL, -1000, 9, 0, true},
        {5, 10, 2, 0, OP_SCROLL, 1, 2, 0, false},
        /* select: clamped, scrolled into view from either side */
        {100, 10, 0, 0, OP_SELECT, 50, 50, 41, true},
        {100, 10, 50, 41, OP_SELECT, 10, 10, 10, true},
        {100, 10, 50, 41, OP_SELECT, 45, 45, 41, true},
        {100, 10, 0, 0, OP_SELECT, 1000, 99, 90, true},
        {100, 10, 3, 0, OP_SELECT, 3, 3, 0, false},
        /* the count changes: selection clamped, view pulled up so no blank rows */
        {100, 10, 95, 90, OP_COUNT, 50, 49, 40, true},
        {100, 10, 95, 90, OP_COUNT, 0, 0, 0, true},
        {100, 10, 5, 0, OP_COUNT, 200, 5, 0, true},
        {100, 10, 50, 45, OP_COUNT, 52, 50, 42, true},
        {0, 10, 0, 0, OP_COUNT, 7, 0, 0, true},
        /* resize: the selection stays visible, the view moves as little as possible */
        {100, 10, 9, 0, OP_HEIGHT, 5, 9, 5, true},
        {100, 10, 3, 0, OP_HEIGHT, 5, 3, 0, true},
        {100, 10, 99, 90, OP_HEIGHT, 20, 99, 80, true},
        {100, 10, 50, 45, OP_HEIGHT, 20, 50, 45, true},
        {100, 10, 50, 45, OP_HEIGHT, 0, 50, 50, true},
        {100, 10, 54, 45, OP_HEIGHT, -3, 54, 54, true},
        {10, 5, 9, 5, OP_HEIGHT, 30, 9, 0, true},
        /* height 0 (before the first draw) still moves */
        {10, 0, 0, 0, OP_DOWN, 0, 1, 1, true},
        {10, 0, 0, 0, OP_PGDN, 0, 1, 1, true},
        {10, 0, 0, 0, OP_END, 0, 9, 9, true},
        /* clicks on visible rows */
        {100, 10, 40, 40, OP_ROW, 3, 43, 40, true},
        {100, 10, 41, 40, OP_ROW, 1, 41, 40, false},
        {100, 10, 41, 40, OP_ROW, 10, 41, 40, false},
        {100, 10, 41, 40, OP_ROW, -1, 41, 40, false},
        {5, 10, 1, 0, OP_ROW, 7, 1, 0, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct list l;
        list_init(&l);
        l.count = cases[i].count;
        l.height = cases[i].height;
        l.selected = cases[i].selected;
        l.top = cases[i].top;
        bool changed = apply(&l, cases[i].op, cases[i].arg);
        bool has_changed = cases[i].op < OP_COUNT || cases[i].op == OP_ROW;
        if (l.selected != cases[i].want_selected || l.top != cases[i].want_top ||
            (has_changed && changed != cases[i].want_changed))
            print_error("case %zu (%s %ld): selected %zu top %zu changed %d\n", i,
                        op_names[cases[i].op], cases[i].arg, l.selected, l.top, changed);
        assert_int_equal(l.selected, cases[i].want_selected);
        assert_int_equal(l.top, cases[i].want_top);
        if (has_changed)
            assert_int_equal(changed, cases[i].want_changed);
        check_invariants(&l, op_names[cases[i].op]);
    }
}

static void test_list_visible_rows(void **state)
{
    (void)state;
    struct list l;
    list_init(&l);
    assert_int_equal(list_visible_count(&l), 0);
    list_set_height(&l, 10);
    list_set_count(&l, 25);
    assert_int_equal(list_visible_count(&l), 10);
    list_end(&l);
    assert_int_equal(list_visible_count(&l), 10);
    int row = -1;
    assert_true(list_row_of(&l, 24, &row));
    assert_int_equal(row, 9);
    assert_true(list_row_of(&l, 15, &row));
    assert_int_equal(row, 0);
    assert_false(list_row_of(&l, 14, &row));
    assert_false(list_row_of(&l, 25, &row));
    list_set_count(&l, 4);
    assert_int_equal(list_visible_count(&l), 4);
    assert_int_equal(l.selected, 3);
    assert_int_equal(l.top, 0);
    list_set_height(&l, 0);
    assert_int_equal(list_visible_count(&l), 0);
    assert_false(list_row_of(&l, 3, &row));
}

/* Every operation from every state reachable on small lists keeps the invariants. */
static void test_list_invariants(void **state)
{
    (void)state;
    uint32_t seed = 12345;
    for (size_t count = 0; count <= 30; count++) {
        for (int height = 0; height <= 12; height++) {
            struct list l;
            list_init(&l);
            list_set_height(&l, height);
            list_set_count(&l, count);
            check_invariants(&l, "init");
            for (int step = 0; step < 400; step++) {
                seed = seed * 1103515245u + 12345u;
                enum op op = (enum op)((seed >> 16) % OP__N);
                seed = seed * 1103515245u + 12345u;
                long arg = (long)((seed >> 16) % 41) - 20;
                if (op == OP_COUNT)
                    arg = arg < 0 ? (long)count : arg + 10;
                else if (op == OP_HEIGHT)
                    arg = arg < -5 ? height : arg / 2 + 6;
                else if (op == OP_SELECT)
                    arg = arg < 0 ? -arg : arg;
                size_t before_sel = l.selected, before_top = l.top;
                bool changed = apply(&l, op, arg);
                check_invariants(&l, op_names[op]);
                if (op != OP_COUNT && op != OP_HEIGHT)
                    assert_int_equal(changed, before_sel != l.selected || before_top != l.top);
            }
        }
    }
}

static void test_list_matches(void **state)
{
    (void)state;
    static const struct {
        const char *text, *query;
        bool want;
    } cases[] = {
        {"Python Basics", "python", true},
        {"Python Basics", "BASICS", true},
        {"Python Basics", "n b", true},
        {"Python Basics", "basicsx", false},
        {"Python Basics", "", false},
        {"", "a", false},
        {"abc", "abc", true},
        {"ab", "abc", false},
        {"aab", "ab", true},
        {"Führung und Ärger", "FÜHRUNG", true},
        {"Führung und Ärger", "ärger", true},
        {"ÉCOLE", "école", true},
        {"Łódź office", "łÓDŹ", true},
        {"Ÿ", "ÿ", true},
        {"ΑΘΗΝΑ", "αθηνα", true},
        {"ΟΔΟΣ", "οδος", true},
        {"οδός", "ΟΔΌΣ", false}, /* accents are not folded away */
        {"Москва", "МОСКВА", true},
        {"Ёлка", "ёЛКА", true},
        {"日本語のコース", "のコー", true},
        {"日本語", "本日", false},
        {"emoji 🎓 course", "🎓 C", true},
        {"x\xff"
         "y",
         "\xef\xbf\xbd"
         "Y",
         true},                       /* invalid bytes compare as U+FFFD */
        {"straße", "STRASSE", false}, /* no multi-character folding */
        {"İstanbul", "istanbul", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool got = list_text_matches(cases[i].text, cases[i].query);
        if (got != cases[i].want)
            print_error("case %zu: \"%s\" ~ \"%s\" gave %d\n", i, cases[i].text, cases[i].query,
                        got);
        assert_int_equal(got, cases[i].want);
    }
    assert_false(list_text_matches(NULL, "a"));
    assert_false(list_text_matches("a", NULL));
}

static const char *const fruits[] = {"Apple", "banana", "Cherry",      "apricot",
                                     NULL,    "Date",   "Banana split"};

static const char *fruit_text(void *userdata, size_t index)
{
    size_t *calls = userdata;
    (*calls)++;
    return fruits[index];
}

static void test_list_search(void **state)
{
    (void)state;
    static const struct {
        size_t selected;
        enum list_search how;
        const char *query;
        bool want_found;
        size_t want_selected;
        bool want_wrapped;
    } cases[] = {
        {0, LIST_SEARCH_HERE, "ap", true, 0, false},
        {0, LIST_SEARCH_NEXT, "ap", true, 3, false},
        {3, LIST_SEARCH_NEXT, "ap", true, 0, true},
        {3, LIST_SEARCH_HERE, "AP", true, 3, false},
        {0, LIST_SEARCH_PREV, "ap", true, 3, true},
        {3, LIST_SEARCH_PREV, "ap", true, 0, false},
        {2, LIST_SEARCH_HERE, "banana", true, 6, false},
        {6, LIST_SEARCH_NEXT, "banana", true, 1, true},
        {1, LIST_SEARCH_PREV, "banana", true, 6, true},
        {5, LIST_SEARCH_NEXT, "date", true, 5, true}, /* the only match: back to itself */
        {5, LIST_SEARCH_PREV, "date", true, 5, true},
        {2, LIST_SEARCH_NEXT, "kiwi", false, 2, false},
        {2, LIST_SEARCH_HERE, "", false, 2, false},
        {4, LIST_SEARCH_HERE, "e", true, 5, false}, /* a NULL text counts as "" */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct list l;
        list_init(&l);
        list_set_height(&l, 3);
        list_set_count(&l, sizeof fruits / sizeof fruits[0]);
        list_select(&l, cases[i].selected);
        size_t calls = 0;
        bool wrapped = !cases[i].want_wrapped;
        bool found = list_search(&l, cases[i].how, cases[i].query, fruit_text, &calls, &wrapped);
        if (found != cases[i].want_found || l.selected != cases[i].want_selected ||
            wrapped != cases[i].want_wrapped)
            print_error("case %zu: found %d selected %zu wrapped %d\n", i, found, l.selected,
                        wrapped);
        assert_int_equal(found, cases[i].want_found);
        assert_int_equal(l.selected, cases[i].want_selected);
        assert_int_equal(wrapped, cases[i].want_wrapped);
        assert_true(calls <= l.count);
        check_invariants(&l, "search");
    }
    struct list empty;
    list_init(&empty);
    size_t calls = 0;
    assert_false(list_search(&empty, LIST_SEARCH_HERE, "a", fruit_text, &calls, NULL));
    assert_int_equal(calls, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_moves),      cmocka_unit_test(test_list_visible_rows),
        cmocka_unit_test(test_list_invariants), cmocka_unit_test(test_list_matches),
        cmocka_unit_test(test_list_search),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
