/* store_admin: the administration calls of the admin tab and the `cca user/audit/gdpr/
 * retention` commands (migration 010's Admin API, tests/db/README.md). Each replies with one
 * JSON document in row 0, column 0 (SQL NULL for the calls that return nothing); the database
 * decides who may (42501 -> ERR_PERMISSION, unknown person -> ERR_NOT_FOUND, bad input ->
 * ERR_INVALID). Implemented by db/pg_admin.c; replies through fn, on the loop when one is
 * attached (store_attach_loop), else before the call returns. Every string is copied. */
#ifndef CCA_STORE_ADMIN_H
#define CCA_STORE_ADMIN_H

#include "core/store.h"

/* Filters of the people list; NULL members are not filtered on. */
struct store_people_query {
    const char *search;     /* substring of name or email, any case */
    const char *role;       /* learner | hr_manager | trainer | admin */
    const char *department; /* exact, any case; "" = none */
    int active;             /* 1 active only, 0 deactivated only, -1 both */
    const char *after;      /* the previous page's "next" */
    int page_size;          /* 1..500, 0 = the default 50 */
};

/* Filters of the audit viewer; NULL members are not filtered on. */
struct store_audit_query {
    const char *source;     /* "audit" (audit_log, the default) or "analytics" */
    const char *person;     /* email or id: who did it or whom it is about */
    const char *table_name; /* audit only */
    const char *action;     /* audit action or analytics event type */
    const char *since;      /* timestamptz text, inclusive */
    const char *until;      /* timestamptz text, exclusive */
    const char *after;      /* the previous page's "next" */
    int page_size;          /* 1..500, 0 = the default 50 */
};

/* {"total", "items": [person], "next"} */
struct store_call *store_admin_people(struct store *s, const struct store_people_query *q,
                                      store_reply_fn fn, void *userdata);
/* {"person", "rows": {table: n}, "audit": {"by", "about"}, "last_activity"}; who = email/id */
struct store_call *store_admin_person(struct store *s, const char *who, store_reply_fn fn,
                                      void *userdata);
/* [{"department", "people", "active"}] */
struct store_call *store_admin_departments(struct store *s, store_reply_fn fn, void *userdata);
/* Adds a person (and their login role); replies with the new id as text. department may be
 * NULL. */
struct store_call *store_admin_user_add(struct store *s, const char *email, const char *name,
                                        const char *role, const char *department,
                                        store_reply_fn fn, void *userdata);
/* Changes a person's role; replies with no document (read the person again). */
struct store_call *store_admin_set_role(struct store *s, const char *email, const char *role,
                                        store_reply_fn fn, void *userdata);
/* Sets (or with NULL/"" clears) a person's department; replies with the person object. */
struct store_call *store_admin_set_department(struct store *s, const char *email,
                                              const char *department, store_reply_fn fn,
                                              void *userdata);
/* Deactivates (is_active false) or reactivates a person; replies with the person object. */
struct store_call *store_admin_set_active(struct store *s, const char *email, bool is_active,
                                          store_reply_fn fn, void *userdata);
/* people_json: [{"email", "name", "role", "department"}]; replies with the import report. */
struct store_call *store_admin_import(struct store *s, const char *people_json, bool dry_run,
                                      store_reply_fn fn, void *userdata);
/* {"source", "items", "next"}, newest first. */
struct store_call *store_admin_audit(struct store *s, const struct store_audit_query *q,
                                     store_reply_fn fn, void *userdata);
/* The GDPR export document of email, or of the caller when email is NULL (any person). */
struct store_call *store_admin_export(struct store *s, const char *email, store_reply_fn fn,
                                      void *userdata);
/* Erases email (see the Admin API); replies with no document. What it did is the changes of
 * the tombstone: store_admin_audit with the person's former id and action "erased". */
struct store_call *store_admin_erase(struct store *s, const char *email, store_reply_fn fn,
                                     void *userdata);
/* {"<key>": "<value>"} of cca_settings. */
struct store_call *store_admin_settings(struct store *s, store_reply_fn fn, void *userdata);
/* Sets a retention setting (retention.chat_days ...); replies with the settings. */
struct store_call *store_admin_setting_set(struct store *s, const char *key, const char *value,
                                           store_reply_fn fn, void *userdata);
/* What retention removes (dry_run) or removed: {"dry_run", "at", "settings", "tables"}. */
struct store_call *store_admin_retention(struct store *s, bool dry_run, store_reply_fn fn,
                                         void *userdata);

#endif
