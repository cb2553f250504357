/* actions: every user action with its config name, default keys and help text, in one
 * X-macro table that feeds the action enum, the keymap and the help overlay (tig REQ_INFO). */
#ifndef CCA_TUI_ACTIONS_H
#define CCA_TUI_ACTIONS_H

#include <stddef.h>

/* X(ID, config name, keys as shown in the help, help text) */
#define ACTION_TABLE(X)                                                                        \
    X(NONE, "none", "", "")                                                                    \
    X(SEND, "send", "Enter", "Send the question")                                              \
    X(NEWLINE, "newline", "Alt-Enter  Ctrl-J", "New line in the question")                     \
    X(CANCEL, "cancel", "Esc", "Stop the answer being written; close a panel")                 \
    X(INTERRUPT, "interrupt", "Ctrl-C", "Stop the answer; at idle, press twice to quit")       \
    X(NEW_CONVERSATION, "new-conversation", "Ctrl-N", "Start a new conversation")              \
    X(CONVERSATIONS, "conversations", "Ctrl-O  F2", "Reopen a past conversation")              \
    X(TOGGLE_SOURCES, "toggle-sources", "F3  Alt-S", "Show or hide the sources of the answer") \
    X(FOCUS_NEXT, "focus-next", "Tab", "Move between the question and the sources list")       \
    X(SHOW_SOURCE, "show-source", "Alt-1..9", "Show the passage cited as [n]")                 \
    X(COPY_ANSWER, "copy-answer", "Ctrl-Y", "Copy the last answer to the clipboard (OSC 52)")  \
    X(RETRY, "retry", "Ctrl-R", "Put back the last unanswered or unsent question")             \
    X(PAGE_UP, "page-up", "PgUp", "Scroll the conversation up a page")                         \
    X(PAGE_DOWN, "page-down", "PgDn", "Scroll the conversation down a page")                   \
    X(SCROLL_UP, "scroll-up", "Shift-Up  wheel", "Scroll the conversation up a line")          \
    X(SCROLL_DOWN, "scroll-down", "Shift-Down  wheel", "Scroll the conversation down a line")  \
    X(SCROLL_TOP, "scroll-top", "Ctrl-Home  Home*", "Top of the conversation")                 \
    X(SCROLL_BOTTOM, "scroll-bottom", "Ctrl-End  End*", "Newest text (follows the answer)")    \
    X(UP, "up", "Up", "Line up; previous question when the input is one line")                 \
    X(DOWN, "down", "Down", "Line down; next question when the input is one line")             \
    X(LEFT, "left", "Left  Ctrl-B", "Cursor left")                                             \
    X(RIGHT, "right", "Right  Ctrl-F", "Cursor right")                                         \
    X(WORD_LEFT, "word-left", "Alt-B  Ctrl-Left", "Word left")                                 \
    X(WORD_RIGHT, "word-right", "Alt-F  Ctrl-Right", "Word right")                             \
    X(LINE_START, "line-start", "Home  Ctrl-A", "Start of the line (* top when input empty)")  \
    X(LINE_END, "line-end", "End  Ctrl-E", "End of the line (* bottom when input empty)")      \
    X(BACKSPACE, "backspace", "Backspace", "Delete before the cursor")                         \
    X(DELETE, "delete", "Delete  Ctrl-D", "Delete under the cursor")                           \
    X(DELETE_WORD, "delete-word", "Ctrl-W", "Delete the word before the cursor")               \
    X(KILL_LINE_START, "kill-line-start", "Ctrl-U", "Delete to the start of the line")         \
    X(KILL_LINE_END, "kill-line-end", "Ctrl-K", "Delete to the end of the line")               \
    X(HELP, "help", "F1  ?", "This help (? when the input is empty)")                          \
    X(REDRAW, "redraw", "Ctrl-L", "Redraw the screen")                                         \
    X(SUSPEND, "suspend", "Ctrl-Z", "Suspend to the shell (fg brings CCA back)")               \
    X(QUIT, "quit", "Ctrl-Q  F10", "Quit")

enum action {
#define ACTION_ENUM(id, name, keys, help) ACTION_##id,
    ACTION_TABLE(ACTION_ENUM)
#undef ACTION_ENUM
        ACTION__COUNT
};

struct action_info {
    enum action action;
    const char *name;
    const char *keys;
    const char *help;
};

/* The table in declaration order (ACTION_NONE first); *count gets its length. */
const struct action_info *actions_all(size_t *count);

#endif
