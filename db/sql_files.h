/* sql_files: the SQL files of db/migrations and db/seed, compiled into the binary by
 * scripts/embed_sql.pl. Paths are relative to the source tree ("db/migrations/001_x.sql"). */
#ifndef CCA_SQL_FILES_H
#define CCA_SQL_FILES_H

#include <stddef.h>

struct sql_file {
    const char *path;
    const char *text;
    size_t len;
};

/* In path order; the table ends with an all-zero entry. */
extern const struct sql_file sql_files[];
extern const unsigned sql_file_count;

#endif
