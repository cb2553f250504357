/* actions: every user action with its scope, config name and help text, in one X-macro
 * table that feeds the action enum, the keymap and the help overlay (tig REQ_INFO). The keys
 * themselves live in tui/keymap.c (defaults) and config.ini's [keys] (overrides); the help
 * shows whatever is bound, so help and keys can never disagree. */
#ifndef CCA_TUI_ACTIONS_H
#define CCA_TUI_ACTIONS_H

#include <stddef.h>

/* Scopes, searched from the most specific: the screen's own, then editor, list, generic. */
enum action_scope {
    ACTION_SCOPE_GENERIC = 1 << 0, /* every screen: quit, help, tabs, movement */
    ACTION_SCOPE_LIST = 1 << 1,    /* screens with a list or table: open, search, refresh */
    ACTION_SCOPE_EDITOR = 1 << 2,  /* screens with a text input */
    ACTION_SCOPE_CHAT = 1 << 3,    /* the chat screen's own */
};

/* X(ID, scope, config name, help text) */
#define ACTION_TABLE(X)                                                                        \
    X(NONE, GENERIC, "none", "")                                                               \
    X(HELP, GENERIC, "help", "This help (? where no text is being typed)")                     \
    X(NEXT_TAB, GENERIC, "next-tab", "Next tab")                                               \
    X(PREV_TAB, GENERIC, "prev-tab", "Previous tab")                                           \
    X(GOTO_TAB, GENERIC, "goto-tab", "Go to tab n (the number in the tab bar)")                \
    X(CANCEL, GENERIC, "cancel", "Stop what is running; close a panel")                        \
    X(INTERRUPT, GENERIC, "interrupt", "Stop the answer; at idle, press twice to quit")         \
    X(UP, GENERIC, "up", "Up a line or an item (previous question in an empty input)")         \
    X(DOWN, GENERIC, "down", "Down a line or an item (next question in an empty input)")       \
    X(PAGE_UP, GENERIC, "page-up", "Up a page")                                                \
    X(PAGE_DOWN, GENERIC, "page-down", "Down a page")                                          \
    X(SCROLL_UP, GENERIC, "scroll-up", "Scroll up a line")                                     \
    X(SCROLL_DOWN, GENERIC, "scroll-down", "Scroll down a line")                               \
    X(SCROLL_TOP, GENERIC, "scroll-top", "To the top")                                         \
    X(SCROLL_BOTTOM, GENERIC, "scroll-bottom", "To the bottom (the newest text)")              \
    X(REDRAW, GENERIC, "redraw", "Redraw the screen")                                          \
    X(SUSPEND, GENERIC, "suspend", "Suspend to the shell (fg brings CCA back)")                \
    X(QUIT, GENERIC, "quit", "Quit")                                                           \
    X(OPEN, LIST, "open", "Open the selected item")                                            \
    X(SEARCH, LIST, "search", "Search the list")                                               \
    X(SEARCH_NEXT, LIST, "search-next", "Next match of the search")                            \
    X(REFRESH, LIST, "refresh", "Load again from the database")                                \
    X(SEND, CHAT, "send", "Send the question")                                                 \
    X(NEW_CONVERSATION, CHAT, "new-conversation", "Start a new conversation")                  \
    X(CONVERSATIONS, CHAT, "conversations", "Reopen a past conversation")                      \
    X(TOGGLE_SOURCES, CHAT, "toggle-sources", "Show or hide the sources of the answer")        \
    X(FOCUS_NEXT, CHAT, "focus-next", "Move between the question and the sources (1-9 opens [n])") \
    X(COPY_ANSWER, CHAT, "copy-answer", "Copy the last answer to the clipboard (OSC 52)")      \
    X(RETRY, CHAT, "retry", "Put back the last unanswered or unsent question")                 \
    X(NEWLINE, EDITOR, "newline", "New line in the text")                                      \
    X(LEFT, EDITOR, "left", "Cursor left")                                                     \
    X(RIGHT, EDITOR, "right", "Cursor right")                                                  \
    X(WORD_LEFT, EDITOR, "word-left", "Word left")                                             \
    X(WORD_RIGHT, EDITOR, "word-right", "Word right")                                          \
    X(LINE_START, EDITOR, "line-start", "Start of the line (the top when the input is empty)") \
    X(LINE_END, EDITOR, "line-end", "End of the line (the bottom when the input is empty)")    \
    X(BACKSPACE, EDITOR, "backspace", "Delete before the cursor")                              \
    X(DELETE, EDITOR, "delete", "Delete under the cursor")                                     \
    X(DELETE_WORD, EDITOR, "delete-word", "Delete the word before the cursor")                 \
    X(KILL_LINE_START, EDITOR, "kill-line-start", "Delete to the start of the line")           \
    X(KILL_LINE_END, EDITOR, "kill-line-end", "Delete to the end of the line")

enum action {
#define ACTION_ENUM(id, scope, name, help) ACTION_##id,
    ACTION_TABLE(ACTION_ENUM)
#undef ACTION_ENUM
        ACTION__COUNT
};

struct action_info {
    enum action action;
    enum action_scope scope;
    const char *name;
    const char *help;
};

/* The table in declaration order (ACTION_NONE first); *count gets its length. */
const struct action_info *actions_all(size_t *count);
/* The action named name (config spelling), or ACTION_NONE. */
enum action action_by_name(const char *name);

#endif
