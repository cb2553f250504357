/* admin: the admin tab's models, read from the documents of the Admin API
 * (core/store_admin.h): a page of people, a page of the audit trail, a person's details and
 * the retention figures. Pure: no I/O; every string is safe to show (json_str_dup). */
#ifndef CCA_ADMIN_H
#define CCA_ADMIN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct admin_person {
    char *id, *email, *name, *role, *department; /* department "" when none */
    bool is_active;
};

struct admin_people {
    struct admin_person *items;
    size_t count;
    long total;  /* matches over every page */
    char *next;  /* cursor of the next page, NULL on the last */
};

struct admin_audit_item {
    char *at;      /* "2026-12-06 21:01:41" (local display form of the ISO time) */
    char *action;
    char *table;   /* "" for analytics events */
    char *by;      /* actor's email, else the role, else "-" */
    char *about;   /* subject's email, else its id, else "-" */
    char *detail;  /* one line: the changes or the event's metadata, compact */
};

struct admin_audit {
    struct admin_audit_item *items;
    size_t count;
    char *next;
};

/* A name and a number ("chat_messages", 12). */
struct admin_count {
    char *name;
    double value;
};

struct admin_person_detail {
    struct admin_person person;
    char *db_role, *created_at, *last_activity; /* "" when unknown */
    struct admin_count *rows; /* stored rows per table */
    size_t row_count;
    long audit_by, audit_about;
};

struct admin_retention {
    bool is_dry_run;
    long chat_days, analytics_days, audit_days; /* 0 keeps forever */
    struct admin_count *tables;                 /* rows removed or to remove */
    size_t table_count;
};

/* Parsers of one document (text, len bytes); ERR_INVALID when it is not the expected shape.
 * On success the caller owns *out (the matching _cleanup); on failure it is empty. */
enum err admin_people_parse(const char *text, size_t len, struct admin_people *out);
void admin_people_cleanup(struct admin_people *p);
/* Appends the items of src to dst (a further page) and takes src's cursor; src is emptied. */
void admin_people_append(struct admin_people *dst, struct admin_people *src);

/* is_analytics: the document came from source "analytics". */
enum err admin_audit_parse(const char *text, size_t len, struct admin_audit *out);
void admin_audit_cleanup(struct admin_audit *a);
void admin_audit_append(struct admin_audit *dst, struct admin_audit *src);

enum err admin_person_detail_parse(const char *text, size_t len, struct admin_person_detail *out);
void admin_person_detail_cleanup(struct admin_person_detail *d);

enum err admin_retention_parse(const char *text, size_t len, struct admin_retention *out);
void admin_retention_cleanup(struct admin_retention *r);

/* Whether a role name is one of learner, hr_manager, trainer, admin. */
bool admin_is_role(const char *role);

#endif
