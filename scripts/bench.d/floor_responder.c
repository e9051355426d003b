/* The cheapest possible libfcgi responder, as a floor for the download benchmark: every request is
 * answered with the same X-Accel-Redirect, no lookup, no parsing. It ends requests the way Depot
 * does (FCGX_Detach once stdin has ended, so libfcgi skips its close-time drain), with as many
 * threads as Depot has workers. Built and started by scripts/bench only. */
#include <fcgiapp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static int listen_fd;
static const char *answer;

static void *serve(void *unused) {
    (void)unused;
    FCGX_Request request;
    FCGX_InitRequest(&request, listen_fd, 0);
    while (FCGX_Accept_r(&request) >= 0) {
        if (FCGX_GetChar(request.in) == EOF) FCGX_Detach(&request);
        FCGX_PutS(answer, request.out);
        FCGX_Finish_r(&request);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s SOCKET THREADS X-ACCEL-URI\n", argv[0]);
        return 2;
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
    int threads = atoi(argv[2]);
    pthread_t ids[64];
    for (int i = 0; i < threads && i < 64; i++) pthread_create(&ids[i], NULL, serve, NULL);
    for (int i = 0; i < threads && i < 64; i++) pthread_join(ids[i], NULL);
    return 0;
}
