#include "json-write.h"

#include <inttypes.h>
#include <string.h>

#include "utf8.h"

void jw_init(struct json_writer *w, FILE *out)
{
    w->out = out;
    w->depth = 0;
    w->after_key = false;
}

/* Writes the comma a new element needs, if any. */
static void element(struct json_writer *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth > 0 && w->depth <= JSON_WRITE_MAX_DEPTH) {
        if (w->nonempty[w->depth - 1])
            fputc(',', w->out);
        w->nonempty[w->depth - 1] = true;
    }
}

static void open_container(struct json_writer *w, char c)
{
    element(w);
    fputc(c, w->out);
    /* Deeper nesting than the answers use would be a helper bug; the output
     * would still be valid JSON apart from possibly missing commas. */
    if (w->depth < JSON_WRITE_MAX_DEPTH)
        w->nonempty[w->depth] = false;
    w->depth++;
}

static void close_container(struct json_writer *w, char c)
{
    fputc(c, w->out);
    if (w->depth > 0)
        w->depth--;
}

void jw_object_begin(struct json_writer *w) { open_container(w, '{'); }
void jw_object_end(struct json_writer *w) { close_container(w, '}'); }
void jw_array_begin(struct json_writer *w) { open_container(w, '['); }
void jw_array_end(struct json_writer *w) { close_container(w, ']'); }

static void write_escaped(FILE *out, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    fputc('"', out);
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        switch (c) {
        case '"': fputs("\\\"", out); i++; continue;
        case '\\': fputs("\\\\", out); i++; continue;
        case '\n': fputs("\\n", out); i++; continue;
        case '\r': fputs("\\r", out); i++; continue;
        case '\t': fputs("\\t", out); i++; continue;
        case '\b': fputs("\\b", out); i++; continue;
        case '\f': fputs("\\f", out); i++; continue;
        default: break;
        }
        if (c < 0x20 || c == 0x7F) {
            fprintf(out, "\\u%04x", c);
            i++;
            continue;
        }
        size_t n = lb_utf8_valid(s + i, len - i);
        if (n == 0) {
            /* One replacement character per bad byte, as WHATWG decoders do. */
            fputs("\\ufffd", out);
            i++;
            continue;
        }
        fwrite(s + i, 1, n, out);
        i += n;
    }
    fputc('"', out);
}

void jw_key(struct json_writer *w, const char *key)
{
    element(w);
    write_escaped(w->out, key, strlen(key));
    fputc(':', w->out);
    w->after_key = true;
}

void jw_string_n(struct json_writer *w, const char *s, size_t len)
{
    element(w);
    write_escaped(w->out, s, len);
}

void jw_string(struct json_writer *w, const char *s)
{
    if (!s) {
        jw_null(w);
        return;
    }
    jw_string_n(w, s, strlen(s));
}

void jw_u64(struct json_writer *w, uint64_t v)
{
    element(w);
    fprintf(w->out, "%" PRIu64, v);
}

void jw_i64(struct json_writer *w, int64_t v)
{
    element(w);
    fprintf(w->out, "%" PRId64, v);
}

void jw_bool(struct json_writer *w, bool v)
{
    element(w);
    fputs(v ? "true" : "false", w->out);
}

void jw_null(struct json_writer *w)
{
    element(w);
    fputs("null", w->out);
}

void jw_raw(struct json_writer *w, const char *text, size_t len)
{
    element(w);
    fwrite(text, 1, len, w->out);
}

int jw_end_line(struct json_writer *w)
{
    fputc('\n', w->out);
    w->depth = 0;
    w->after_key = false;
    if (fflush(w->out) != 0 || ferror(w->out))
        return -1;
    return 0;
}
