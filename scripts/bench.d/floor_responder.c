/* The cheapest possible libfcgi responder, as a floor for the download benchmark: every request is
 * answered with the same X-Accel-Redirect, no lookup, no parsing. It ends requests the way Depot
 * does (FCGX_Detach once stdin has ended, so libfcgi skips its close-time drain), with as many
 * threads as Depot has workers. Built and started by scripts/bench only.
 *
 * Given a fifth argument, a Depot SQLite database, it does the least a real download must do
 * instead (the "lookup floor"): the file id from REQUEST_URI (the last path segment), one indexed
 * lookup of its path and type on a connection per thread (prepared once), and the X-Accel answer
 * with that type and `/_stored{path}`. No routing, no checks, no escaping. */
#include <fcgiapp.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int listen_fd;
static const char *answer;
static const char *database;

static void *serve(void *unused) {
    (void)unused;
    FCGX_Request request;
    FCGX_InitRequest(&request, listen_fd, 0);
    sqlite3 *db = NULL;
    sqlite3_stmt *lookup = NULL;
    if (database) {
        if (sqlite3_open_v2(database, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
            sqlite3_prepare_v3(db, "SELECT path, content_type FROM files WHERE id = ?1", -1, SQLITE_PREPARE_PERSISTENT, &lookup, NULL) != SQLITE_OK) {
            fprintf(stderr, "floor: %s\n", sqlite3_errmsg(db));
            exit(1);
        }
    }
    while (FCGX_Accept_r(&request) >= 0) {
        if (FCGX_GetChar(request.in) == EOF) FCGX_Detach(&request);
        if (!lookup) {
            FCGX_PutS(answer, request.out);
        } else {
            const char *uri = FCGX_GetParam("REQUEST_URI", request.envp);
            const char *id = uri ? strrchr(uri, '/') : NULL;
            size_t length = id ? strcspn(id + 1, "?") : 0;
            sqlite3_bind_text(lookup, 1, id ? id + 1 : "", (int)length, SQLITE_STATIC);
            if (sqlite3_step(lookup) == SQLITE_ROW) {
                FCGX_FPrintF(request.out, "Status: 200 OK\r\nContent-Type: %s\r\nX-Accel-Redirect: /_stored%s\r\n\r\n",
                             (const char *)sqlite3_column_text(lookup, 1), (const char *)sqlite3_column_text(lookup, 0));
            } else {
                FCGX_PutS("Status: 404 Not Found\r\nContent-Length: 0\r\n\r\n", request.out);
            }
            sqlite3_reset(lookup);
        }
        FCGX_Finish_r(&request);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: %s SOCKET THREADS X-ACCEL-URI [DEPOT-SQLITE-DATABASE]\n", argv[0]);
        return 2;
    }
    database = argc == 5 ? argv[4] : NULL;
    static char head[1024];
    snprintf(head, sizeof head, "Status: 200 OK\r\nContent-Type: application/octet-stream\r\nX-Accel-Redirect: %s\r\n\r\n", argv[3]);
    answer = head;
    FCGX_Init();
    listen_fd = FCGX_OpenSocket(argv[1], 1024);
    if (listen_fd < 0) {
        perror("FCGX_OpenSocket");
        return 1;
    }
    int threads = atoi(argv[2]);
    pthread_t ids[64];
    for (int i = 0; i < threads && i < 64; i++) pthread_create(&ids[i], NULL, serve, NULL);
    for (int i = 0; i < threads && i < 64; i++) pthread_join(ids[i], NULL);
    return 0;
}
