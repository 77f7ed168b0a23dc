#include "json-read.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* ---- arena: every node and string of one request, freed in one go ---- */

struct json_chunk {
    struct json_chunk *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char data[];
};

#define CHUNK_MIN 16384

static void *arena_alloc(struct json_doc *doc, size_t size)
{
    size = (size + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
    struct json_chunk *c = doc->chunks;
    if (!c || c->cap - c->used < size) {
        size_t cap = size > CHUNK_MIN ? size : CHUNK_MIN;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->used = 0;
        c->cap = cap;
        c->next = doc->chunks;
        doc->chunks = c;
    }
    void *p = c->data + c->used;
    c->used += size;
    return p;
}

void json_free(struct json_doc *doc)
{
    while (doc->chunks) {
        struct json_chunk *next = doc->chunks->next;
        free(doc->chunks);
        doc->chunks = next;
    }
    doc->root = NULL;
}

/* ---- parser ---- */

struct parser {
    const unsigned char *start, *p, *end;
    struct json_doc *doc;
};

static void *fail(struct parser *ps, const char *why)
{
    if (!ps->doc->error) {
        ps->doc->error = why;
        ps->doc->error_offset = (size_t)(ps->p - ps->start);
    }
    return NULL;
}

static void skip_ws(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static struct json_value *new_value(struct parser *ps, enum json_type type)
{
    struct json_value *v = arena_alloc(ps->doc, sizeof *v);
    if (!v)
        return fail(ps, "out of memory");
    memset(v, 0, sizeof *v);
    v->type = type;
    return v;
}

static int literal(struct parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return -1;
    ps->p += n;
    return 0;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static struct json_value *parse_number(struct parser *ps)
{
    const unsigned char *s = ps->p;
    if (ps->p < ps->end && *ps->p == '-')
        ps->p++;
    if (ps->p >= ps->end || !is_digit(*ps->p))
        return fail(ps, "invalid number");
    if (*ps->p == '0')
        ps->p++;
    else
        while (ps->p < ps->end && is_digit(*ps->p))
            ps->p++;
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (ps->p >= ps->end || !is_digit(*ps->p))
            return fail(ps, "invalid number");
        while (ps->p < ps->end && is_digit(*ps->p))
            ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (ps->p >= ps->end || !is_digit(*ps->p))
            return fail(ps, "invalid number");
        while (ps->p < ps->end && is_digit(*ps->p))
            ps->p++;
    }
    struct json_value *v = new_value(ps, JSON_NUMBER);
    if (!v)
        return NULL;
    v->text = (const char *)s;
    v->len = (size_t)(ps->p - s);
    return v;
}

static int hex4(const unsigned char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v * 16 + d;
    }
    *out = v;
    return 0;
}

/* Decodes the string starting at the opening quote into the arena. */
static int parse_string_raw(struct parser *ps, const char **out, size_t *out_len)
{
    ps->p++; /* opening quote */
    const unsigned char *q = ps->p;
    /* Find the closing quote first so the decoded copy can be sized once. */
    while (q < ps->end && *q != '"')
        q += (*q == '\\' && ps->end - q > 1) ? 2 : 1;
    if (q >= ps->end) {
        fail(ps, "unterminated string");
        return -1;
    }
    unsigned char *buf = arena_alloc(ps->doc, (size_t)(q - ps->p) + 1);
    if (!buf) {
        fail(ps, "out of memory");
        return -1;
    }
    size_t n = 0;
    while (*ps->p != '"') {
        unsigned char c = *ps->p;
        if (c < 0x20) {
            fail(ps, "control character in string");
            return -1;
        }
        if (c != '\\') {
            size_t len = lb_utf8_valid(ps->p, (size_t)(q - ps->p));
            if (!len) {
                fail(ps, "string is not valid UTF-8");
                return -1;
            }
            memcpy(buf + n, ps->p, len);
            n += len;
            ps->p += len;
            continue;
        }
        unsigned char e = ps->p[1];
        ps->p += 2;
        switch (e) {
        case '"': buf[n++] = '"'; break;
        case '\\': buf[n++] = '\\'; break;
        case '/': buf[n++] = '/'; break;
        case 'b': buf[n++] = '\b'; break;
        case 'f': buf[n++] = '\f'; break;
        case 'n': buf[n++] = '\n'; break;
        case 'r': buf[n++] = '\r'; break;
        case 't': buf[n++] = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            ps->p -= 2;
            if (q - ps->p < 6 || hex4(ps->p + 2, &cp) != 0) {
                fail(ps, "invalid \\u escape");
                return -1;
            }
            ps->p += 6;
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                fail(ps, "lone low surrogate");
                return -1;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (q - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' ||
                    hex4(ps->p + 2, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF) {
                    fail(ps, "lone high surrogate");
                    return -1;
                }
                ps->p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            /* Never longer than the 6 or 12 escape bytes it replaces. */
            n += lb_utf8_put(buf + n, cp);
            break;
        }
        default:
            ps->p -= 2;
            fail(ps, "invalid escape");
            return -1;
        }
    }
    ps->p++; /* closing quote */
    buf[n] = '\0';
    *out = (const char *)buf;
    *out_len = n;
    return 0;
}

static struct json_value *parse_value(struct parser *ps, int depth);

static struct json_value *parse_container(struct parser *ps, int depth, enum json_type type)
{
    if (depth >= JSON_MAX_DEPTH)
        return fail(ps, "nesting too deep");
    struct json_value *v = new_value(ps, type);
    if (!v)
        return NULL;
    unsigned char close = type == JSON_ARRAY ? ']' : '}';
    struct json_value **tail = &v->child;
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return v;
    }
    for (;;) {
        const char *key = NULL;
        size_t key_len = 0;
        if (type == JSON_OBJECT) {
            if (ps->p >= ps->end || *ps->p != '"')
                return fail(ps, "expected a member name");
            if (parse_string_raw(ps, &key, &key_len) != 0)
                return NULL;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':')
                return fail(ps, "expected ':'");
            ps->p++;
        }
        struct json_value *item = parse_value(ps, depth + 1);
        if (!item)
            return NULL;
        item->key = key;
        item->key_len = key_len;
        *tail = item;
        tail = &item->next;
        v->count++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            skip_ws(ps);
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return v;
        }
        return fail(ps, type == JSON_ARRAY ? "expected ',' or ']'" : "expected ',' or '}'");
    }
}

static struct json_value *parse_value(struct parser *ps, int depth)
{
    skip_ws(ps);
    if (ps->p >= ps->end)
        return fail(ps, "unexpected end of input");
    switch (*ps->p) {
    case '{':
        return parse_container(ps, depth, JSON_OBJECT);
    case '[':
        return parse_container(ps, depth, JSON_ARRAY);
    case '"': {
        struct json_value *v = new_value(ps, JSON_STRING);
        if (!v || parse_string_raw(ps, &v->text, &v->len) != 0)
            return NULL;
        return v;
    }
    case 't':
        return literal(ps, "true") == 0 ? new_value(ps, JSON_TRUE) : fail(ps, "invalid literal");
    case 'f':
        return literal(ps, "false") == 0 ? new_value(ps, JSON_FALSE) : fail(ps, "invalid literal");
    case 'n':
        return literal(ps, "null") == 0 ? new_value(ps, JSON_NULL) : fail(ps, "invalid literal");
    default:
        if (*ps->p == '-' || is_digit(*ps->p))
            return parse_number(ps);
        return fail(ps, "unexpected character");
    }
}

int json_parse(struct json_doc *doc, const char *text, size_t len)
{
    doc->chunks = NULL;
    doc->root = NULL;
    doc->error = NULL;
    doc->error_offset = 0;
    struct parser ps = {(const unsigned char *)text, (const unsigned char *)text,
                        (const unsigned char *)text + len, doc};
    struct json_value *root = parse_value(&ps, 0);
    if (!root)
        return -1;
    skip_ws(&ps);
    if (ps.p != ps.end) {
        fail(&ps, "unexpected data after the value");
        return -1;
    }
    doc->root = root;
    return 0;
}
