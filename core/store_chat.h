/* store_chat: the chat's calls that go through the loop (core/store.h keeps the synchronous
 * question/answer path the RAG pipeline uses). Implemented by db/pg_chat.c. */
#ifndef CCA_STORE_CHAT_H
#define CCA_STORE_CHAT_H

#include "core/store.h"

/* Questions of the caller still 'pending' although nothing has touched them for
 * older_than_s seconds (CCA was killed or the machine died mid-answer) become 'failed' with
 * the reason "interrupted", so no stored question stays half-written. Replies with the
 * number of messages changed in row 0, column 0. */
struct store_call *store_chat_close_interrupted(struct store *s, int older_than_s,
                                                store_reply_fn fn, void *userdata);

#endif
