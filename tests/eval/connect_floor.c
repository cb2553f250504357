/* connect_floor.c: the floor under `cca ask`'s wall clock, for scripts/bench_ask.sh. One
 * process does the least any database client does: exec and dynamic linking (libpq alone),
 * connect, one trivial query, disconnect, exit. Whatever `cca ask` takes beyond this is
 * CCA's own (its libraries, configuration, the turn's statements).
 *   connect_floor CONNINFO   exit 0 when the query worked; the error on stderr otherwise */
#include <stdio.h>

#include <libpq-fe.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: connect_floor CONNINFO\n", stderr);
        return 2;
    }
    PGconn *conn = PQconnectdb(argv[1]);
    int status = 1;
    if (PQstatus(conn) == CONNECTION_OK) {
        PGresult *res = PQexec(conn, "SELECT 1");
        if (PQresultStatus(res) == PGRES_TUPLES_OK)
            status = 0;
        else
            fputs(PQerrorMessage(conn), stderr);
        PQclear(res);
    } else {
        fputs(PQerrorMessage(conn), stderr);
    }
    PQfinish(conn);
    return status;
}
