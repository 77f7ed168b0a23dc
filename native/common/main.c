/* lifeboat-helper: JSON lines on stdin, one answer line per request on stdout.
 * See docs/helper-protocol.md. Diagnostics go to stderr only. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "json-write.h"
#include "line-reader.h"
#include "ops.h"
#include "text.h"
#include "version.h"

static void usage(FILE *out)
{
    fputs("usage: lifeboat-helper [--sysroot DIR] [--version]\n"
          "Reads JSON requests, one per line, on stdin; see docs/helper-protocol.md.\n",
          out);
}

/* Lines of only whitespace carry no request (a trailing CR, a blank line). */
static int is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

static int serve(const struct lb_context *ctx)
{
    static struct lb_line_reader reader; /* 64 KiB: keep it off the stack */
    struct json_writer w;
    reader.in = stdin;
    jw_init(&w, stdout);
    for (;;) {
        size_t len = 0;
        int rc = 0;
        switch (lb_read_line(&reader, &len)) {
        case LB_LINE_EOF:
            return 0;
        case LB_LINE_READ_ERROR:
            fprintf(stderr, "lifeboat-helper: reading stdin failed\n");
            return 1;
        case LB_LINE_TOO_LONG:
            rc = lb_answer_too_long(&w);
            break;
        case LB_LINE_OK:
            if (!is_blank(reader.buf, len))
                rc = lb_dispatch_line(ctx, &w, reader.buf, len);
            break;
        }
        if (rc != 0) {
            /* The client closed our stdout: nobody is left to answer. */
            fprintf(stderr, "lifeboat-helper: writing stdout failed\n");
            return 1;
        }
    }
}

int main(int argc, char **argv)
{
    struct lb_context ctx = {NULL};
    char *sysroot = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--version") == 0) {
            printf("lifeboat-helper %s (protocol %d, %s)\n", LB_HELPER_VERSION,
                   LB_PROTOCOL_VERSION, lb_platform.platform);
            return 0;
        } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(arg, "--sysroot") == 0 && i + 1 < argc) {
            free(sysroot);
            sysroot = lb_strdup(argv[++i]);
        } else if (lb_starts_with(arg, "--sysroot=")) {
            free(sysroot);
            sysroot = lb_strdup(arg + strlen("--sysroot="));
        } else {
            fprintf(stderr, "lifeboat-helper: unknown argument %s\n", arg);
            usage(stderr);
            free(sysroot);
            return 2;
        }
        if (!sysroot) {
            fprintf(stderr, "lifeboat-helper: out of memory\n");
            return 1;
        }
    }
    if (sysroot) {
        /* Trailing slashes would double up when paths are joined. */
        size_t n = strlen(sysroot);
        while (n > 1 && sysroot[n - 1] == '/')
            sysroot[--n] = '\0';
        if (n == 0) {
            fprintf(stderr, "lifeboat-helper: --sysroot needs a directory\n");
            free(sysroot);
            return 2;
        }
        ctx.sysroot = sysroot;
    }
    if (lb_platform.init) {
        int init_rc = lb_platform.init();
        if (init_rc != 0) {
            free(sysroot);
            return init_rc;
        }
    }
#ifdef SIGPIPE
    /* A vanished client must surface as a write error we report, not a kill. */
    signal(SIGPIPE, SIG_IGN);
#endif
    int rc = serve(&ctx);
    free(sysroot);
    return rc;
}
