/* pg_admin: core/store_admin.h over PostgreSQL: one call of 010's Admin API each. */
#include "core/store_admin.h"

#include <stdio.h>

#include "db/pg_call.h"

static const char *active_text(int active)
{
    return active < 0 ? NULL : active ? "true" : "false";
}

struct store_call *store_admin_people(struct store *s, const struct store_people_query *q,
                                      store_reply_fn fn, void *userdata)
{
    char size[16];
    snprintf(size, sizeof size, "%d", q->page_size > 0 ? q->page_size : 50);
    const char *params[] = {q->search, q->role,  q->department, active_text(q->active),
                            q->after,  size};
    return pg_store_call(s,
                         "SELECT cca_admin_people($1, $2, $3, $4::boolean, $5, $6::int)::text",
                         6, params, fn, userdata);
}

struct store_call *store_admin_person(struct store *s, const char *who, store_reply_fn fn,
                                      void *userdata)
{
    const char *params[] = {who};
    return pg_store_call(s, "SELECT cca_admin_person($1)::text", 1, params, fn, userdata);
}

struct store_call *store_admin_departments(struct store *s, store_reply_fn fn, void *userdata)
{
    return pg_store_call(s, "SELECT cca_admin_departments()::text", 0, NULL, fn, userdata);
}

struct store_call *store_admin_user_add(struct store *s, const char *email, const char *name,
                                        const char *role, const char *department,
                                        store_reply_fn fn, void *userdata)
{
    const char *params[] = {email, name, role, department};
    return pg_store_call(s, "SELECT cca_user_add($1, $2, $3, $4)", 4, params, fn, userdata);
}

struct store_call *store_admin_set_role(struct store *s, const char *email, const char *role,
                                        store_reply_fn fn, void *userdata)
{
    const char *params[] = {email, role};
    return pg_store_call(s, "SELECT cca_user_set_role($1, $2)", 2, params, fn, userdata);
}

struct store_call *store_admin_set_department(struct store *s, const char *email,
                                              const char *department, store_reply_fn fn,
                                              void *userdata)
{
    const char *params[] = {email, department};
    return pg_store_call(s, "SELECT cca_user_set_department($1, $2)::text", 2, params, fn,
                         userdata);
}

struct store_call *store_admin_set_active(struct store *s, const char *email, bool is_active,
                                          store_reply_fn fn, void *userdata)
{
    const char *params[] = {email};
    return pg_store_call(s,
                         is_active ? "SELECT cca_user_reactivate($1)::text"
                                   : "SELECT cca_user_deactivate($1)::text",
                         1, params, fn, userdata);
}

struct store_call *store_admin_import(struct store *s, const char *people_json, bool dry_run,
                                      store_reply_fn fn, void *userdata)
{
    const char *params[] = {people_json, dry_run ? "true" : "false"};
    return pg_store_call(s, "SELECT cca_user_import($1::jsonb, $2::boolean)::text", 2, params,
                         fn, userdata);
}

struct store_call *store_admin_audit(struct store *s, const struct store_audit_query *q,
                                     store_reply_fn fn, void *userdata)
{
    char size[16];
    snprintf(size, sizeof size, "%d", q->page_size > 0 ? q->page_size : 50);
    const char *params[] = {q->source ? q->source : "audit", q->person, q->table_name,
                            q->action, q->since, q->until, q->after, size};
    return pg_store_call(s,
                         "SELECT cca_admin_audit($1, $2, $3, $4, $5::timestamptz,"
                         " $6::timestamptz, $7, $8::int)::text",
                         8, params, fn, userdata);
}

struct store_call *store_admin_export(struct store *s, const char *email, store_reply_fn fn,
                                      void *userdata)
{
    if (!email)
        return pg_store_call(s, "SELECT cca_export_me()::text", 0, NULL, fn, userdata);
    const char *params[] = {email};
    return pg_store_call(s, "SELECT cca_export_user($1)::text", 1, params, fn, userdata);
}

struct store_call *store_admin_erase(struct store *s, const char *email, store_reply_fn fn,
                                     void *userdata)
{
    const char *params[] = {email};
    return pg_store_call(s, "SELECT cca_erase_user($1)", 1, params, fn, userdata);
}

struct store_call *store_admin_settings(struct store *s, store_reply_fn fn, void *userdata)
{
    return pg_store_call(s, "SELECT cca_admin_settings()::text", 0, NULL, fn, userdata);
}

struct store_call *store_admin_setting_set(struct store *s, const char *key, const char *value,
                                           store_reply_fn fn, void *userdata)
{
    const char *params[] = {key, value};
    return pg_store_call(s, "SELECT cca_setting_set($1, $2)::text", 2, params, fn, userdata);
}

struct store_call *store_admin_retention(struct store *s, bool dry_run, store_reply_fn fn,
                                         void *userdata)
{
    const char *params[] = {dry_run ? "true" : "false"};
    return pg_store_call(s, "SELECT cca_retention_run($1::boolean)::text", 1, params, fn,
                         userdata);
}
