/* The cheapest possible libfcgi responder, as a floor for the download benchmark: every request is
 * answered with the same X-Accel-Redirect, no lookup, no parsing. It ends requests the way Depot
 * does (FCGX_Detach once stdin has ended, so libfcgi skips its close-time drain), with as many
 * threads as Depot has workers. Built and started by scripts/bench only.
 *
 * Given a fifth argument, a Depot SQLite database, it does the least a real download must do
 * instead (the "lookup floor"): the file id from REQUEST_URI (the last path segment), one indexed
 * lookup of its path and type on a connection per thread (prepared once), and the X-Accel answer
 * with that type and `/_stored{path}`. No routing, no checks, no escaping.
 *
 * With `--upload STORE [php|depot DATABASE]` in place of the X-Accel URI it is the floor of a small
 * upload instead (the "upload floor"): the request body read whole, the first part of the multipart
 * body found by its boundary, written to an O_TMPFILE in STORE/.tmp and link()ed as
 * STORE/{date}/{random} (what PHP's upload + move_uploaded_file do, without the copy through a named
 * temp file). Then, given a database, the rows of one upload in one transaction, on one writer
 * connection shared under a mutex as in Depot (so no thread sleeps in SQLite's busy handler and no
 * other connection's write empties its page cache), statements prepared once, WAL,
 * synchronous=NORMAL, foreign keys on, checkpoints past 4000 pages (Depot's default):
 * - `php`: the PHP peer's one row (materials.php's one-table schema): PHP's same job, in C, minus
 *   getimagesize;
 * - `depot`: Depot's two rows (a `files` row and a `materials` row) in a database Depot migrated:
 *   Depot's own job, in C, minus hashing, sniffing, the crash journal and the JSON answer. */
#define _GNU_SOURCE
#include <fcgiapp.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int listen_fd;
static const char *answer;
static const char *database;
static const char *store;
static int depot_schema;
static pthread_mutex_t writer = PTHREAD_MUTEX_INITIALIZER;

enum { BEGIN, FILE_ROW, MATERIAL_ROW, COMMIT, STATEMENTS };

/* The upload floor's one writer connection (as Depot's: a connection whose page cache no other
 * connection's writes invalidate), its statements prepared once; used under `writer`. */
static sqlite3_stmt *statements[STATEMENTS];

static void open_writer(void) {
    sqlite3 *db = NULL;
    const char *sql[STATEMENTS] = {
        "BEGIN IMMEDIATE",
        "INSERT INTO files (id, namespace, path, field, origin_filename, size, sha256, content_type, format, width, height, metadata, created_at)"
        " VALUES (?1, 'materials', ?2, 'files', 'img.png', ?3, ?4, 'image/png', 'png', 36, 36, '{}', ?5)",
        depot_schema ? "INSERT INTO materials (mall_id, material_type, file_id, base_path, width, height, size, origin_filename, format, created_at)"
                       " VALUES (1, 0, ?1, ?2, 36, 36, ?3, 'img.png', 'png', ?4)"
                     : "INSERT INTO materials (mall_id, material_type, base_path, width, height, size, origin_filename, format, created_at)"
                       " VALUES (1, 0, ?2, 36, 36, ?3, 'img.png', 'png', ?4)",
        "COMMIT",
    };
    if (sqlite3_open_v2(database, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 4000",
                     NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "floor: %s\n", sqlite3_errmsg(db));
        exit(1);
    }
    for (int i = 0; i < STATEMENTS; i++) {
        if (i == FILE_ROW && !depot_schema) continue;
        if (sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &statements[i], NULL) != SQLITE_OK) {
            fprintf(stderr, "floor: %s\n", sqlite3_errmsg(db));
            exit(1);
        }
    }
}

static int run(sqlite3_stmt *statement) {
    int done = sqlite3_step(statement);
    sqlite3_reset(statement);
    return done == SQLITE_DONE ? 0 : -1;
}

/* One upload's rows, committed as one transaction by one writer at a time. */
static int insert_rows(const char *id, const char *path, const char *name, long size) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char created[32];
    struct tm utc;
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%S", gmtime_r(&now.tv_sec, &utc));
    snprintf(created + strlen(created), sizeof created - strlen(created), ".%03ldZ", now.tv_nsec / 1000000);
    pthread_mutex_lock(&writer);
    int failed = run(statements[BEGIN]);
    if (!failed && depot_schema) {
        sqlite3_stmt *file = statements[FILE_ROW];
        sqlite3_bind_text(file, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(file, 2, path, -1, SQLITE_STATIC);
        sqlite3_bind_int64(file, 3, size);
        sqlite3_bind_text(file, 4, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(file, 5, created, -1, SQLITE_STATIC);
        failed = run(file);
    }
    if (!failed) {
        sqlite3_stmt *material = statements[MATERIAL_ROW];
        sqlite3_bind_text(material, 1, depot_schema ? id : path, -1, SQLITE_STATIC);
        sqlite3_bind_text(material, 2, path, -1, SQLITE_STATIC);
        sqlite3_bind_int64(material, 3, size);
        sqlite3_bind_text(material, 4, created, -1, SQLITE_STATIC);
        failed = run(material);
    }
    if (failed) {
        sqlite3_exec(sqlite3_db_handle(statements[BEGIN]), "ROLLBACK", NULL, NULL, NULL);
    } else {
        failed = run(statements[COMMIT]);
    }
    pthread_mutex_unlock(&writer);
    return failed;
}

/* The upload floor's work for one request; 0 when stored. */
static int store_upload(FCGX_Request *request) {
    static __thread char body[1 << 20];
    int length = 0, got;
    while (length < (int)sizeof body && (got = FCGX_GetStr(body + length, (int)sizeof body - length, request->in)) > 0) length += got;
    const char *type = FCGX_GetParam("CONTENT_TYPE", request->envp);
    const char *mark = type ? strstr(type, "boundary=") : NULL;
    if (!mark) return -1;
    char delimiter[128];
    int delimiter_length = snprintf(delimiter, sizeof delimiter, "\r\n--%s", mark + 9);
    char *start = memmem(body, length, "\r\n\r\n", 4);
    if (!start) return -1;
    start += 4;
    char *end = memmem(start, length - (start - body), delimiter, delimiter_length);
    if (!end) return -1;
    char directory[4096];
    snprintf(directory, sizeof directory, "%s/.tmp", store);
    int fd = open(directory, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0640);
    if (fd < 0 || write(fd, start, end - start) != end - start) return -1;
    char source[64], target[4096], day[16], name[40];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm utc;
    strftime(day, sizeof day, "%Y-%m-%d", gmtime_r(&now.tv_sec, &utc));
    /* A time-ordered name that is also the row's id, as Depot's: each insert lands at the right edge
     * of the id and path indexes. */
    static _Atomic unsigned long sequence;
    snprintf(name, sizeof name, "%016lx%016lx", (unsigned long)now.tv_sec * 1000000 + now.tv_nsec / 1000, sequence++);
    snprintf(source, sizeof source, "/proc/self/fd/%d", fd);
    snprintf(target, sizeof target, "%s/%s/%s", store, day, name);
    int linked = linkat(AT_FDCWD, source, AT_FDCWD, target, AT_SYMLINK_FOLLOW);
    if (linked != 0 && errno == ENOENT) {
        snprintf(directory, sizeof directory, "%s/%s", store, day);
        mkdir(directory, 0755);
        linked = linkat(AT_FDCWD, source, AT_FDCWD, target, AT_SYMLINK_FOLLOW);
    }
    close(fd);
    if (linked != 0) return -1;
    if (database) {
        char path[64];
        snprintf(path, sizeof path, "/%s/%s", day, name);
        /* The name stands in for the hash Depot stores (the floor hashes nothing). */
        char digest[80];
        snprintf(digest, sizeof digest, "%s%s", name, name);
        return insert_rows(name, path, digest, end - start);
    }
    return 0;
}

static void *serve(void *unused) {
    (void)unused;
    FCGX_Request request;
    FCGX_InitRequest(&request, listen_fd, 0);
    sqlite3 *db = NULL;
    sqlite3_stmt *lookup = NULL;
    if (database && !store) {
        if (sqlite3_open_v2(database, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
            sqlite3_prepare_v3(db, "SELECT path, content_type FROM files WHERE id = ?1", -1, SQLITE_PREPARE_PERSISTENT, &lookup, NULL) != SQLITE_OK) {
            fprintf(stderr, "floor: %s\n", sqlite3_errmsg(db));
            exit(1);
        }
    }
    while (FCGX_Accept_r(&request) >= 0) {
        if (store) {
            if (store_upload(&request) == 0) {
                FCGX_PutS("Status: 201 Created\r\nContent-Type: application/json\r\n\r\n{\"code\":0,\"msg\":\"ok\",\"data\":1}", request.out);
            } else {
                FCGX_PutS("Status: 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n", request.out);
            }
            FCGX_Finish_r(&request);
            continue;
        }
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
    int upload = argc >= 5 && strcmp(argv[3], "--upload") == 0;
    if (argc < 4 || (!upload && argc > 5) || (upload && argc != 5 && argc != 7) ||
        (argc == 7 && strcmp(argv[5], "php") != 0 && strcmp(argv[5], "depot") != 0)) {
        fprintf(stderr, "usage: %s SOCKET THREADS X-ACCEL-URI [DEPOT-SQLITE-DATABASE]\n"
                        "       %s SOCKET THREADS --upload STORE [php|depot DATABASE]\n", argv[0], argv[0]);
        return 2;
    }
    if (upload) {
        store = argv[4];
        database = argc == 7 ? argv[6] : NULL;
        depot_schema = argc == 7 && strcmp(argv[5], "depot") == 0;
    } else {
        database = argc == 5 ? argv[4] : NULL;
    }
    static char head[1024];
    snprintf(head, sizeof head, "Status: 200 OK\r\nContent-Type: application/octet-stream\r\nX-Accel-Redirect: %s\r\n\r\n", argv[3]);
    answer = head;
    FCGX_Init();
    listen_fd = FCGX_OpenSocket(argv[1], 1024);
    if (listen_fd < 0) {
        perror("FCGX_OpenSocket");
        return 1;
    }
    if (store && database) open_writer();
    int threads = atoi(argv[2]);
    pthread_t ids[64];
    for (int i = 0; i < threads && i < 64; i++) pthread_create(&ids[i], NULL, serve, NULL);
    for (int i = 0; i < threads && i < 64; i++) pthread_join(ids[i], NULL);
    return 0;
}
