/* The PDF reader's per-character and per-line loops in C (issue 17): a page's printed chars
 * read from pdfium and grouped by baseline, as backend.page_to_char_groups does it in Python,
 * and what the reader then does per line (lines.make_line: line_of) or per char of a line
 * (superscript reach, a cell's chars, the page's path objects).
 *
 * pdfium has no call for many characters at once, so each char still costs three calls
 * (its text object, loose box and origin); here they are plain C calls through the
 * function pointers pypdfium2's library exports (passed in as addresses: nothing links to
 * pdfium), and the Char and Line objects are made with the classes passed in. Font size,
 * name and weight are read once per text object, from C as well (or from a Python callable).
 * The Python code is the reference: each function here gives what it gives
 * (tests/test_pdf_chars.py, tests/test_pdf_lines_compiled.py), and declines (None) what it
 * does not know, which Python then does. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    float left, top, right, bottom;
} rect_f;

typedef void *(*text_object_fn)(void *, int);
typedef int (*loose_box_fn)(void *, int, rect_f *);
typedef int (*origin_fn)(void *, int, double *, double *);

typedef struct {
    double baseline, x0, size;
    Py_ssize_t index; /* position in the reading order: ties keep it (Python's sort is stable) */
} sort_key;

/* Whether key p comes before key q: by baseline, then x0, then reading order (Python's sort is stable). */
static inline int key_before(const sort_key *p, const sort_key *q) {
    if (p->baseline < q->baseline) return 1;
    if (q->baseline < p->baseline) return 0;
    if (p->x0 < q->x0) return 1;
    if (q->x0 < p->x0) return 0;
    return p->index < q->index;
}

#define N_FIELDS 9
static const char *const FIELDS[N_FIELDS] = {"text", "x0", "top", "x1", "bottom", "baseline", "size", "bold", "space_before"};

/* Where a slotted class keeps each of FIELDS, when its slots are exactly FIELDS in this order
 * (the Char dataclass): then a Char is made by filling its slots, as its __init__ would,
 * without a Python call per char. 0 when the class is another shape: then it is called. */
static int slot_offsets_uncached(PyObject *type, const char *const *fields, int n_fields, Py_ssize_t *offsets) {
    if (!PyType_Check(type)) return 0;
    PyObject *slots = PyObject_GetAttrString(type, "__slots__");
    if (slots == NULL) {
        PyErr_Clear();
        return 0;
    }
    int ok = PyTuple_Check(slots) && PyTuple_GET_SIZE(slots) == n_fields;
    for (int k = 0; ok && k < n_fields; k++) {
        PyObject *name = PyTuple_GET_ITEM(slots, k);
        ok = PyUnicode_Check(name) && PyUnicode_CompareWithASCIIString(name, fields[k]) == 0;
        PyObject *descr = ok ? PyDict_GetItemWithError(((PyTypeObject *)type)->tp_dict, name) : NULL;
        ok = ok && descr != NULL && Py_IS_TYPE(descr, &PyMemberDescr_Type);
        if (ok) {
            PyMemberDef *member = ((PyMemberDescrObject *)descr)->d_member;
            ok = member->type == T_OBJECT_EX && !(member->flags & READONLY);
            offsets[k] = member->offset;
        }
    }
    Py_DECREF(slots);
    PyErr_Clear();
    return ok;
}

/* slot_offsets_uncached, asked once per class: every line asks it of the same Char class, and
 * reading the class's __slots__ and their descriptors again cost more than the line's own walk. */
#define MAX_SLOTS 16
typedef struct {
    PyObject *type; /* held (a new reference), so its address cannot be reused by another class */
    int ok;
    Py_ssize_t offsets[MAX_SLOTS];
} slot_cache;

static int cached_slot_offsets(slot_cache *cache, PyObject *type, const char *const *fields, int n_fields,
                               Py_ssize_t *offsets) {
    if (type != cache->type) {
        Py_ssize_t found[MAX_SLOTS];
        int ok = n_fields <= MAX_SLOTS && slot_offsets_uncached(type, fields, n_fields, found);
        Py_INCREF(type);
        Py_XDECREF(cache->type);
        cache->type = type;
        cache->ok = ok;
        if (ok) memcpy(cache->offsets, found, sizeof(Py_ssize_t) * (size_t)n_fields);
    }
    if (cache->ok) memcpy(offsets, cache->offsets, sizeof(Py_ssize_t) * (size_t)n_fields);
    return cache->ok;
}

static slot_cache char_slots = {NULL, 0, {0}};

static int slot_offsets(PyObject *type, Py_ssize_t offsets[N_FIELDS]) {
    return cached_slot_offsets(&char_slots, type, FIELDS, N_FIELDS, offsets);
}

#define N_LINE_FIELDS 10
static const char *const LINE_FIELDS[N_LINE_FIELDS] = {"chars", "x0",       "top",  "x1",   "bottom",
                                                       "baseline", "size", "bold", "text", "segments"};
static slot_cache line_slots = {NULL, 0, {0}};

/* slot_offsets for the Line class (LINE_FIELDS), asked once per class as well. */
static int line_slot_offsets(PyObject *type, Py_ssize_t offsets[N_LINE_FIELDS]) {
    return cached_slot_offsets(&line_slots, type, LINE_FIELDS, N_LINE_FIELDS, offsets);
}

/* A new instance of ``type`` with its slots filled from ``values`` (new references, stolen). */
static PyObject *fill_slots(PyObject *type, const Py_ssize_t offsets[N_FIELDS], PyObject *values[N_FIELDS]) {
    PyObject *obj = ((PyTypeObject *)type)->tp_alloc((PyTypeObject *)type, 0);
    if (obj == NULL) {
        for (int k = 0; k < N_FIELDS; k++) Py_DECREF(values[k]);
        return NULL;
    }
    for (int k = 0; k < N_FIELDS; k++) *(PyObject **)((char *)obj + offsets[k]) = values[k];
    return obj;
}

typedef double (*font_size_fn)(void *, int);
typedef unsigned long (*font_info_fn)(void *, int, void *, unsigned long, int *);
typedef int (*font_weight_fn)(void *, int);

/* What backend._style_reader asks pdfium, asked from C: a char's font size, its font's name
 * (bold when it holds one of bold_words, in any ASCII case, as the reader's bytes regex with
 * re.I finds it) and, for a font not bold by name, its weight. ``name`` is kept between chars
 * as the reader's ctypes buffer is (pdfium leaves it as it was for a name too long for it). */
typedef struct {
    font_size_fn size;
    font_info_fn info;
    font_weight_fn weight;
    PyObject *bold_words; /* a tuple of bytes, in ASCII lower case (borrowed) */
    long min_weight;
    char name[129];
} font_reader;

static int contains(const char *haystack, size_t n, const char *needle, size_t m) {
    if (m > n) return 0;
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(haystack + i, needle, m) == 0) return 1;
    return 0;
}

/* A new (size, bold) tuple for char i, or NULL with an exception set. */
static PyObject *read_style(font_reader *r, void *page, int i) {
    double size = r->size(page, i);
    int flags = 0;
    r->info(page, i, r->name, 128, &flags);
    size_t length = strnlen(r->name, 128);
    char lower[128];
    for (size_t k = 0; k < length; k++) {
        char c = r->name[k];
        lower[k] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    int bold = 0;
    Py_ssize_t n_words = PyTuple_GET_SIZE(r->bold_words);
    for (Py_ssize_t w = 0; w < n_words && !bold; w++) {
        PyObject *word = PyTuple_GET_ITEM(r->bold_words, w);
        bold = contains(lower, length, PyBytes_AS_STRING(word), (size_t)PyBytes_GET_SIZE(word));
    }
    if (!bold) bold = r->weight(page, i) >= r->min_weight;
    PyObject *value = PyFloat_FromDouble(size);
    if (value == NULL) return NULL;
    return Py_BuildValue("NO", value, bold ? Py_True : Py_False);
}

/* ``value`` as a float object: the one made for the char before when it has the same bits (most
 * chars of a line share its baseline and top), else a new one, which is kept for the next char. */
static PyObject *float_like_last(double value, double *last, PyObject **last_obj) {
    uint64_t bits, last_bits;
    memcpy(&bits, &value, sizeof bits);
    memcpy(&last_bits, last, sizeof last_bits);
    if (*last_obj != NULL && bits == last_bits) {
        Py_INCREF(*last_obj);
        return *last_obj;
    }
    PyObject *made = PyFloat_FromDouble(value);
    if (made == NULL) return NULL;
    Py_INCREF(made);
    Py_XSETREF(*last_obj, made);
    *last = value;
    return made;
}


/* DEFINE_RUN_MERGE_SORT(NAME, TYPE, BEFORE) defines ``static int NAME(TYPE *items, Py_ssize_t n)``:
 * sorts ``items`` in place by ``BEFORE(x, y)`` (true when *x goes strictly before *y), ties kept
 * in order as Python's sort keeps them; -1 when out of memory. What is sorted here comes in a few
 * ascending runs (a page's chars in reading order, broken by superscripts and columns; a line's
 * items left to right), so runs are found and merged pairwise: near one pass, where qsort
 * compared n log n times. */
#define DEFINE_RUN_MERGE_SORT(NAME, TYPE, BEFORE)                                                       \
    static int NAME(TYPE *items, Py_ssize_t n) {                                                         \
        if (n < 2) return 0;                                                                             \
        Py_ssize_t *starts = malloc(sizeof(Py_ssize_t) * (size_t)(n + 1));                               \
        TYPE *spare = malloc(sizeof(TYPE) * (size_t)n);                                                  \
        if (starts == NULL || spare == NULL) {                                                           \
            free(starts);                                                                                \
            free(spare);                                                                                 \
            return -1;                                                                                   \
        }                                                                                                \
        Py_ssize_t n_runs = 0;                                                                           \
        starts[n_runs++] = 0;                                                                            \
        for (Py_ssize_t i = 1; i < n; i++)                                                               \
            if (BEFORE(&items[i], &items[i - 1])) starts[n_runs++] = i;                                  \
        starts[n_runs] = n;                                                                              \
        TYPE *from = items, *to = spare;                                                                 \
        while (n_runs > 1) {                                                                             \
            Py_ssize_t merged = 0;                                                                       \
            for (Py_ssize_t r = 0; r < n_runs; r += 2) {                                                 \
                /* starts[n_runs] is n: a last run without a partner is copied as it is */              \
                Py_ssize_t lo = starts[r], mid = starts[r + 1], hi = r + 2 <= n_runs ? starts[r + 2] : n; \
                Py_ssize_t a = lo, b = mid, out = lo;                                                    \
                while (a < mid && b < hi) to[out++] = BEFORE(&from[b], &from[a]) ? from[b++] : from[a++]; \
                while (a < mid) to[out++] = from[a++];                                                   \
                while (b < hi) to[out++] = from[b++];                                                    \
                starts[merged++] = lo;                                                                   \
            }                                                                                            \
            starts[merged] = n;                                                                          \
            n_runs = merged;                                                                             \
            TYPE *swap = from;                                                                           \
            from = to;                                                                                   \
            to = swap;                                                                                   \
        }                                                                                                \
        if (from != items) memcpy(items, from, sizeof(TYPE) * (size_t)n);                                \
        free(starts);                                                                                    \
        free(spare);                                                                                     \
        return 0;                                                                                        \
    }

/* Sort keys as key_before orders them (a total order: any sort gives the same result). */
DEFINE_RUN_MERGE_SORT(sort_keys, sort_key, key_before)

/* read_char_groups(text, page, text_object, loose_box, origin, height, style, char_type, tolerance)
 * -> (n_chars, groups): the printed chars of ``text`` (one character per pdfium char index)
 * sorted by (baseline, x0) and cut into groups whose baselines lie within ``tolerance``
 * times the char's size (at least 1) of the group's first. ``style`` is a callable giving a
 * char's (size, bold), or (font_size, font_info, font_weight, bold_words, min_weight): the
 * addresses of those pdfium functions, the bold words as ASCII-lower-case bytes and the least
 * bold weight, for the same answer read in C. Either is asked once per text object. */
static PyObject *read_char_groups(PyObject *self, PyObject *args) {
    PyObject *text, *style, *char_type;
    unsigned long long page_addr, text_object_addr, loose_box_addr, origin_addr;
    double height, tolerance;
    if (!PyArg_ParseTuple(args, "UKKKKdOOd", &text, &page_addr, &text_object_addr, &loose_box_addr,
                          &origin_addr, &height, &style, &char_type, &tolerance))
        return NULL;
    void *page = (void *)(uintptr_t)page_addr;
    text_object_fn text_object = (text_object_fn)(uintptr_t)text_object_addr;
    loose_box_fn loose_box = (loose_box_fn)(uintptr_t)loose_box_addr;
    origin_fn origin = (origin_fn)(uintptr_t)origin_addr;
    font_reader fonts;
    int fonts_in_c = PyTuple_Check(style);
    if (fonts_in_c) {
        unsigned long long size_addr, info_addr, weight_addr;
        memset(&fonts, 0, sizeof(fonts));
        if (!PyArg_ParseTuple(style, "KKKO!l", &size_addr, &info_addr, &weight_addr, &PyTuple_Type,
                              &fonts.bold_words, &fonts.min_weight))
            return NULL;
        for (Py_ssize_t w = 0; w < PyTuple_GET_SIZE(fonts.bold_words); w++)
            if (!PyBytes_Check(PyTuple_GET_ITEM(fonts.bold_words, w))) {
                PyErr_SetString(PyExc_TypeError, "bold words must be bytes");
                return NULL;
            }
        fonts.size = (font_size_fn)(uintptr_t)size_addr;
        fonts.info = (font_info_fn)(uintptr_t)info_addr;
        fonts.weight = (font_weight_fn)(uintptr_t)weight_addr;
    }

    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    PyObject *chars = PyList_New(0);
    PyObject *styles = PyDict_New();
    sort_key *keys = n > 0 ? malloc(sizeof(sort_key) * (size_t)n) : NULL;
    PyObject *groups = NULL;
    PyObject *last_top = NULL, *last_bottom = NULL, *last_baseline = NULL; /* held, see float_like_last */
    double last_top_value = 0, last_bottom_value = 0, last_baseline_value = 0;
    intptr_t last_key = 0;
    PyObject *last_style = NULL; /* borrowed from styles: the style of text object last_key */
    if (chars == NULL || styles == NULL || (n > 0 && keys == NULL)) {
        if (n > 0 && keys == NULL) PyErr_NoMemory();
        goto fail;
    }
    Py_ssize_t offsets[N_FIELDS];
    int direct = slot_offsets(char_type, offsets);
    int pending_space = 0;
    Py_ssize_t count = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (Py_UNICODE_ISSPACE(ch) || ch == 0) {
            pending_space = 1;
            continue;
        }
        if (ch == 0x02 || ch == 0xFFFE) ch = '-'; /* pdfium's mark of a hyphen at a line end */
        intptr_t key = (intptr_t)text_object(page, (int)i);
        PyObject *found = NULL; /* borrowed (size, bold) */
        PyObject *key_obj = NULL;
        if (key && key == last_key) {
            found = last_style; /* the chars of one text object come one after another */
        } else if (key) {
            key_obj = PyLong_FromSsize_t((Py_ssize_t)key);
            if (key_obj == NULL) goto fail;
            found = PyDict_GetItemWithError(styles, key_obj);
            if (found == NULL && PyErr_Occurred()) {
                Py_DECREF(key_obj);
                goto fail;
            }
        }
        PyObject *made = NULL;
        if (found == NULL) {
            made = fonts_in_c ? read_style(&fonts, page, (int)i) : PyObject_CallFunction(style, "n", i);
            if (made == NULL || !PyTuple_Check(made) || PyTuple_GET_SIZE(made) != 2) {
                if (made != NULL) PyErr_SetString(PyExc_TypeError, "style must return (size, bold)");
                Py_XDECREF(made);
                Py_XDECREF(key_obj);
                goto fail;
            }
            if (key_obj != NULL && PyDict_SetItem(styles, key_obj, made) < 0) {
                Py_DECREF(made);
                Py_DECREF(key_obj);
                goto fail;
            }
            found = made;
        }
        if (key) {
            last_key = key;
            last_style = found; /* held by styles (a key's style is stored before it is remembered) */
        }
        Py_XDECREF(key_obj);
        PyObject *size = PyTuple_GET_ITEM(found, 0), *bold = PyTuple_GET_ITEM(found, 1);
        double size_value = PyFloat_AsDouble(size);
        if (size_value == -1.0 && PyErr_Occurred()) {
            Py_XDECREF(made);
            goto fail;
        }
        rect_f box = {0, 0, 0, 0};
        double origin_xy[2] = {0, 0};
        loose_box(page, (int)i, &box);
        origin(page, (int)i, &origin_xy[0], &origin_xy[1]);
        double x0 = (double)box.left, baseline = height - origin_xy[1];
        PyObject *argv[9] = {
            PyUnicode_FromOrdinal(ch),
            PyFloat_FromDouble(x0),
            float_like_last(height - (double)box.top, &last_top_value, &last_top),
            PyFloat_FromDouble((double)box.right),
            float_like_last(height - (double)box.bottom, &last_bottom_value, &last_bottom),
            float_like_last(baseline, &last_baseline_value, &last_baseline),
            size,
            bold,
            pending_space ? Py_True : Py_False,
        };
        PyObject *c = NULL;
        if (argv[0] && argv[1] && argv[2] && argv[3] && argv[4] && argv[5]) {
            if (direct) {
                for (int k = 6; k < N_FIELDS; k++) Py_INCREF(argv[k]);
                c = fill_slots(char_type, offsets, argv); /* takes every reference */
            } else {
                c = PyObject_Vectorcall(char_type, argv, 9, NULL);
                for (int k = 0; k < 6; k++) Py_XDECREF(argv[k]);
            }
        } else {
            for (int k = 0; k < 6; k++) Py_XDECREF(argv[k]);
        }
        Py_XDECREF(made);
        if (c == NULL) goto fail;
        int appended = PyList_Append(chars, c);
        Py_DECREF(c);
        if (appended < 0) goto fail;
        keys[count].baseline = baseline;
        keys[count].x0 = x0;
        keys[count].size = size_value;
        keys[count].index = count;
        count++;
        pending_space = 0;
    }
    Py_CLEAR(last_top);
    Py_CLEAR(last_bottom);
    Py_CLEAR(last_baseline);
    if (sort_keys(keys, count) < 0) {
        PyErr_NoMemory();
        goto fail;
    }
    groups = PyList_New(0);
    if (groups == NULL) goto fail;
    PyObject *group = NULL; /* borrowed from groups */
    double group_baseline = 0.0;
    for (Py_ssize_t j = 0; j < count; j++) {
        const sort_key *k = &keys[j];
        double scale = 1.0 > k->size ? 1.0 : k->size;
        PyObject *c = PyList_GET_ITEM(chars, k->index);
        if (group != NULL && fabs(group_baseline - k->baseline) <= tolerance * scale) {
            if (PyList_Append(group, c) < 0) goto fail;
        } else {
            PyObject *fresh = PyList_New(1);
            if (fresh == NULL) goto fail;
            Py_INCREF(c);
            PyList_SET_ITEM(fresh, 0, c);
            int appended = PyList_Append(groups, fresh);
            Py_DECREF(fresh);
            if (appended < 0) goto fail;
            group = fresh;
            group_baseline = k->baseline;
        }
    }
    free(keys);
    Py_DECREF(chars);
    Py_DECREF(styles);
    PyObject *result = Py_BuildValue("nN", count, groups);
    return result;
fail:
    free(keys);
    Py_XDECREF(last_top);
    Py_XDECREF(last_bottom);
    Py_XDECREF(last_baseline);
    Py_XDECREF(chars);
    Py_XDECREF(styles);
    Py_XDECREF(groups);
    return NULL;
}

static const Py_UCS4 SUPERSCRIPTS[10] = {0x2070, 0x00B9, 0x00B2, 0x00B3, 0x2074, 0x2075, 0x2076, 0x2077, 0x2078, 0x2079};

static int is_superscript_digit(Py_UCS4 ch) {
    for (int k = 0; k < 10; k++)
        if (SUPERSCRIPTS[k] == ch) return 1;
    return 0;
}

/* Append (x0, x1, the first length chars of buffer) to segments; -1 with an exception set. */
static int append_segment(PyObject *segments, PyObject *x0, PyObject *x1, const Py_UCS4 *buffer, Py_ssize_t length) {
    PyObject *piece = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buffer, length);
    PyObject *segment = piece ? PyTuple_Pack(3, x0, x1, piece) : NULL;
    Py_XDECREF(piece);
    if (segment == NULL) return -1;
    int failed = PyList_Append(segments, segment);
    Py_DECREF(segment);
    return failed;
}

/* raw_segments(chars, raised, segment_gap, space_gap, char_type) -> list of (x0, x1, text)
 * or None: lines.line_text's walk over a line's chars (sorted by x0) in C. A segment ends
 * at a gap wider than segment_gap; a space goes in at a char marked space_before or after
 * a gap wider than space_gap, but not before a superscript digit; the digits of raised
 * chars become superscript digits. The texts are not stripped yet. None when a char is not
 * a plain ``char_type`` of one character: then Python walks the line. */
static PyObject *raw_segments(PyObject *self, PyObject *args) {
    PyObject *chars, *raised, *char_type;
    double segment_gap, space_gap;
    if (!PyArg_ParseTuple(args, "O!OddO", &PyList_Type, &chars, &raised, &segment_gap, &space_gap, &char_type))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(chars);
    Py_ssize_t offsets[N_FIELDS];
    if (n == 0 || !slot_offsets(char_type, offsets) || (raised != Py_None && !PyList_Check(raised)) ||
        (raised != Py_None && PyList_GET_SIZE(raised) != n))
        Py_RETURN_NONE;
#define SLOT(obj, k) (*(PyObject **)((char *)(obj) + offsets[k]))
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *c = PyList_GET_ITEM(chars, i);
        if (Py_TYPE(c) != (PyTypeObject *)char_type) Py_RETURN_NONE;
        PyObject *text = SLOT(c, 0), *x0 = SLOT(c, 1), *x1 = SLOT(c, 3), *space = SLOT(c, 8);
        if (text == NULL || !PyUnicode_CheckExact(text) || PyUnicode_GET_LENGTH(text) != 1 || x0 == NULL ||
            !PyFloat_CheckExact(x0) || x1 == NULL || !PyFloat_CheckExact(x1) || space == NULL ||
            (space != Py_True && space != Py_False))
            Py_RETURN_NONE;
    }
    Py_UCS4 *buffer = PyMem_Malloc(sizeof(Py_UCS4) * (size_t)(2 * n));
    PyObject *segments = PyList_New(0);
    if (buffer == NULL || segments == NULL) {
        PyMem_Free(buffer);
        Py_XDECREF(segments);
        return PyErr_NoMemory();
    }
    Py_ssize_t length = 0;
    PyObject *seg_start = SLOT(PyList_GET_ITEM(chars, 0), 1), *prev_x1 = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *c = PyList_GET_ITEM(chars, i);
        Py_UCS4 ch = PyUnicode_READ_CHAR(SLOT(c, 0), 0);
        int up = 0;
        if (raised != Py_None) {
            up = PyObject_IsTrue(PyList_GET_ITEM(raised, i));
            if (up < 0) goto fail;
        }
        if (up && Py_UNICODE_ISDIGIT(ch) && ch >= '0' && ch <= '9') ch = SUPERSCRIPTS[ch - '0'];
        PyObject *x0 = SLOT(c, 1);
        if (prev_x1 != NULL) {
            double gap = PyFloat_AS_DOUBLE(x0) - PyFloat_AS_DOUBLE(prev_x1);
            if (gap > segment_gap) {
                if (append_segment(segments, seg_start, prev_x1, buffer, length) < 0) goto fail;
                length = 0;
                seg_start = x0;
            } else if ((SLOT(c, 8) == Py_True || gap > space_gap) && !(up && is_superscript_digit(ch))) {
                buffer[length++] = ' ';
            }
        }
        buffer[length++] = ch;
        prev_x1 = SLOT(c, 3);
    }
    if (append_segment(segments, seg_start, prev_x1, buffer, length) < 0) goto fail;
    PyMem_Free(buffer);
    return segments;
fail:
    PyMem_Free(buffer);
    Py_DECREF(segments);
    return NULL;
#undef SLOT
}

/* uniform_line(chars, char_type) -> (size, baseline, top, x1, bottom, bold) or None: the
 * figures lines.make_line takes from a line's chars when they all share one font size and
 * one baseline (nearly every line): that size and baseline, the least top, the greatest x1
 * and bottom, and whether most chars are bold. None for any other line (or a char that is
 * not a plain ``char_type`` with float coordinates): then Python counts. */
static PyObject *uniform_line(PyObject *self, PyObject *args) {
    PyObject *chars, *char_type;
    if (!PyArg_ParseTuple(args, "O!O", &PyList_Type, &chars, &char_type)) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(chars);
    Py_ssize_t offsets[N_FIELDS];
    if (n == 0 || !slot_offsets(char_type, offsets)) Py_RETURN_NONE;
#define SLOT(obj, k) (*(PyObject **)((char *)(obj) + offsets[k]))
    PyObject *size = NULL, *baseline = NULL, *top = NULL, *x1 = NULL, *bottom = NULL;
    Py_ssize_t n_bold = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *c = PyList_GET_ITEM(chars, i);
        if (Py_TYPE(c) != (PyTypeObject *)char_type) Py_RETURN_NONE;
        PyObject *c_top = SLOT(c, 2), *c_x1 = SLOT(c, 3), *c_bottom = SLOT(c, 4), *c_base = SLOT(c, 5),
                 *c_size = SLOT(c, 6), *c_bold = SLOT(c, 7);
        if (c_top == NULL || !PyFloat_CheckExact(c_top) || c_x1 == NULL || !PyFloat_CheckExact(c_x1) ||
            c_bottom == NULL || !PyFloat_CheckExact(c_bottom) || c_base == NULL || !PyFloat_CheckExact(c_base) ||
            c_size == NULL || !PyFloat_CheckExact(c_size) || c_bold == NULL || (c_bold != Py_True && c_bold != Py_False))
            Py_RETURN_NONE;
        if (i == 0) {
            size = c_size;
            baseline = c_base;
            top = c_top;
            x1 = c_x1;
            bottom = c_bottom;
        } else {
            /* one size and one baseline (as == compares floats; a NaN never equals) */
            if (c_size != size && !(PyFloat_AS_DOUBLE(c_size) == PyFloat_AS_DOUBLE(size))) Py_RETURN_NONE;
            if (c_base != baseline && !(PyFloat_AS_DOUBLE(c_base) == PyFloat_AS_DOUBLE(baseline))) Py_RETURN_NONE;
            if (PyFloat_AS_DOUBLE(c_top) < PyFloat_AS_DOUBLE(top)) top = c_top; /* min() keeps the first least */
            if (PyFloat_AS_DOUBLE(c_x1) > PyFloat_AS_DOUBLE(x1)) x1 = c_x1;     /* max() the first greatest */
            if (PyFloat_AS_DOUBLE(c_bottom) > PyFloat_AS_DOUBLE(bottom)) bottom = c_bottom;
        }
        if (c_bold == Py_True) n_bold++;
    }
#undef SLOT
    return Py_BuildValue("OOOOOO", size, baseline, top, x1, bottom, (double)n_bold > (double)n / 2 ? Py_True : Py_False);
}

/* sorted_by_x0(chars, char_type) -> bool: True when no char's x0 is less than the one before
 * it, that is when ``chars.sort(key=attrgetter("x0"))`` would leave the list as it is (a stable
 * sort finds one ascending run); False when it is not, or when a char is not a ``char_type``
 * with a float x0 (the caller then sorts). A line's chars come nearly always in order already. */
static PyObject *sorted_by_x0(PyObject *self, PyObject *args) {
    PyObject *chars, *char_type;
    if (!PyArg_ParseTuple(args, "O!O", &PyList_Type, &chars, &char_type)) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(chars);
    Py_ssize_t offsets[N_FIELDS];
    if (!slot_offsets(char_type, offsets)) Py_RETURN_FALSE;
    double previous = 0.0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *c = PyList_GET_ITEM(chars, i);
        if (Py_TYPE(c) != (PyTypeObject *)char_type) Py_RETURN_FALSE;
        PyObject *x0 = *(PyObject **)((char *)c + offsets[1]);
        if (x0 == NULL || !PyFloat_CheckExact(x0)) Py_RETURN_FALSE;
        double value = PyFloat_AS_DOUBLE(x0);
        if (i > 0 && value < previous) Py_RETURN_FALSE;
        previous = value;
    }
    Py_RETURN_TRUE;
}

/* uniform_size(chars, char_type) -> the first char's size when every char's size equals it
 * (lines._median_size's shortcut: ``sizes.count(first) == len(sizes)``), else None (a char
 * of another shape, or mixed sizes: then Python takes the median). */
static PyObject *uniform_size(PyObject *self, PyObject *args) {
    PyObject *chars, *char_type;
    if (!PyArg_ParseTuple(args, "O!O", &PyList_Type, &chars, &char_type)) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(chars);
    Py_ssize_t offsets[N_FIELDS];
    if (n == 0 || !slot_offsets(char_type, offsets)) Py_RETURN_NONE;
    PyObject *first = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *c = PyList_GET_ITEM(chars, i);
        if (Py_TYPE(c) != (PyTypeObject *)char_type) Py_RETURN_NONE;
        PyObject *size = *(PyObject **)((char *)c + offsets[6]);
        if (size == NULL || !PyFloat_CheckExact(size)) Py_RETURN_NONE;
        if (i == 0)
            first = size;
        else if (size != first && !(PyFloat_AS_DOUBLE(size) == PyFloat_AS_DOUBLE(first)))
            Py_RETURN_NONE; /* list.count: the same object, or an equal value */
    }
    Py_INCREF(first);
    return first;
}

/* The text of buffer[start:end] with white space stripped at both ends, as str.strip() does. */
static PyObject *stripped(const Py_UCS4 *buffer, Py_ssize_t start, Py_ssize_t end) {
    while (start < end && Py_UNICODE_ISSPACE(buffer[start])) start++;
    while (end > start && Py_UNICODE_ISSPACE(buffer[end - 1])) end--;
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buffer + start, end - start);
}

typedef struct {
    double key;
    PyObject *item; /* borrowed */
} keyed_item;

/* Whether item p comes before item q by key alone (ties keep their order in the sort). */
static inline int item_before(const keyed_item *p, const keyed_item *q) { return p->key < q->key; }

/* Sort items by key, keeping ties in order (as list.sort with a key). */
DEFINE_RUN_MERGE_SORT(stable_sort, keyed_item, item_before)

/* The most frequent of values[0..n) (floats with no NaN), the first seen of equally frequent
 * ones, as lines.most_common (Counter keeps the first object of each value). */
static PyObject *most_common_float(PyObject **values, Py_ssize_t n, PyObject **distinct, Py_ssize_t *counts) {
    Py_ssize_t n_distinct = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        double v = PyFloat_AS_DOUBLE(values[i]);
        Py_ssize_t k = 0;
        while (k < n_distinct && !(PyFloat_AS_DOUBLE(distinct[k]) == v)) k++;
        if (k == n_distinct) {
            distinct[n_distinct] = values[i];
            counts[n_distinct++] = 0;
        }
        counts[k]++;
    }
    Py_ssize_t best = 0;
    for (Py_ssize_t k = 1; k < n_distinct; k++)
        if (counts[k] > counts[best]) best = k;
    return distinct[best];
}

/* line_of(chars, char_type, line_type, size_ratio, rise, segment_gap, space_gap, bullets) -> Line
 * or None: lines.make_line in one call. The chars are sorted by x0 in place (stably); the line's
 * size is their most frequent size and its baseline the most frequent baseline of the chars of
 * that size; when not every char has that size (or size_ratio is 1), a char at most size_ratio
 * times the size whose baseline is raised by at least rise times the size is a superscript
 * (its digits become superscript digits, and it leaves the line's top, bottom and weight to the
 * others); the text and segments are lines.line_text's (cut at gaps wider than segment_gap times
 * the size, spaces at space_before or gaps wider than space_gap times the size, texts stripped, a
 * lone bullet joined to the segment after it, texts joined by three spaces), and the Line is made
 * by filling its slots. None for chars or a line class of another shape, or a NaN among the
 * figures (Python's own comparisons then decide). */
static PyObject *line_of(PyObject *self, PyObject *args) {
    PyObject *chars, *char_type, *line_type, *bullets;
    double size_ratio, rise_share, segment_share, space_share;
    if (!PyArg_ParseTuple(args, "O!OOddddU", &PyList_Type, &chars, &char_type, &line_type, &size_ratio, &rise_share,
                          &segment_share, &space_share, &bullets))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(chars);
    Py_ssize_t offsets[N_FIELDS], line_offsets[N_LINE_FIELDS];
    if (n == 0 || !slot_offsets(char_type, offsets) || !line_slot_offsets(line_type, line_offsets)) Py_RETURN_NONE;
#define SLOT(obj, k) (*(PyObject **)((char *)(obj) + offsets[k]))
#define VALUE(obj, k) PyFloat_AS_DOUBLE(SLOT(obj, k))
    int in_order = 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *c = PyList_GET_ITEM(chars, i);
        if (Py_TYPE(c) != (PyTypeObject *)char_type) Py_RETURN_NONE;
        PyObject *text = SLOT(c, 0), *bold = SLOT(c, 7), *space = SLOT(c, 8);
        if (text == NULL || !PyUnicode_CheckExact(text) || PyUnicode_GET_LENGTH(text) != 1 || bold == NULL ||
            (bold != Py_True && bold != Py_False) || space == NULL || (space != Py_True && space != Py_False))
            Py_RETURN_NONE;
        for (int k = 1; k <= 6; k++) {
            PyObject *v = SLOT(c, k);
            if (v == NULL || !PyFloat_CheckExact(v) || isnan(PyFloat_AS_DOUBLE(v))) Py_RETURN_NONE;
        }
        if (i > 0 && VALUE(c, 1) < VALUE(PyList_GET_ITEM(chars, i - 1), 1)) in_order = 0;
    }
    /* scratch: 2n code points of text, 2n segment bounds, 2n segment edges, n values, n counts, n keyed items */
    Py_UCS4 *buffer = PyMem_Malloc(sizeof(Py_UCS4) * (size_t)(2 * n));
    Py_ssize_t *bounds = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(2 * n));
    PyObject **edges = PyMem_Malloc(sizeof(PyObject *) * (size_t)(2 * n));
    PyObject **values = PyMem_Malloc(sizeof(PyObject *) * (size_t)n);
    PyObject **distinct = PyMem_Malloc(sizeof(PyObject *) * (size_t)n);
    Py_ssize_t *counts = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)n);
    char *raised = PyMem_Malloc((size_t)n);
    keyed_item *items = in_order ? NULL : PyMem_Malloc(sizeof(keyed_item) * (size_t)n);
    PyObject *segments = NULL, *texts = NULL, *text = NULL, *line = NULL;
    if (buffer == NULL || bounds == NULL || edges == NULL || values == NULL || distinct == NULL || counts == NULL ||
        raised == NULL || (!in_order && items == NULL)) {
        PyErr_NoMemory();
        goto done;
    }
    if (!in_order) { /* chars.sort(key=attrgetter("x0")), in place */
        for (Py_ssize_t i = 0; i < n; i++) {
            items[i].item = PyList_GET_ITEM(chars, i);
            items[i].key = VALUE(items[i].item, 1);
        }
        if (stable_sort(items, n) < 0) {
            PyErr_NoMemory();
            goto done;
        }
        for (Py_ssize_t i = 0; i < n; i++) PyList_SET_ITEM(chars, i, items[i].item); /* the same references */
    }
    for (Py_ssize_t i = 0; i < n; i++) values[i] = SLOT(PyList_GET_ITEM(chars, i), 6);
    PyObject *size = most_common_float(values, n, distinct, counts);
    double size_value = PyFloat_AS_DOUBLE(size);
    int uniform = 1;
    Py_ssize_t n_values = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *c = PyList_GET_ITEM(chars, i);
        if (VALUE(c, 6) == size_value)
            values[n_values++] = SLOT(c, 5);
        else
            uniform = 0;
    }
    PyObject *baseline = most_common_float(values, n_values, distinct, counts);
    double base_value = PyFloat_AS_DOUBLE(baseline);
    double small = size_ratio * size_value, rise = rise_share * size_value;
    int any_raised = 0;
    Py_ssize_t n_body = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *c = PyList_GET_ITEM(chars, i);
        raised[i] = 0;
        if (!uniform || size_value <= small) raised[i] = VALUE(c, 6) <= small && (base_value - VALUE(c, 5)) >= rise;
        any_raised |= raised[i];
        n_body += !raised[i];
    }
    int all_body = !any_raised || n_body == 0; /* the body is every char when none (or all) are raised */
    PyObject *top = NULL, *x1 = NULL, *bottom = NULL;
    Py_ssize_t n_bold = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *c = PyList_GET_ITEM(chars, i);
        if (x1 == NULL || VALUE(c, 3) > PyFloat_AS_DOUBLE(x1)) x1 = SLOT(c, 3); /* max() keeps the first greatest */
        if (!all_body && raised[i]) continue;
        if (top == NULL || VALUE(c, 2) < PyFloat_AS_DOUBLE(top)) top = SLOT(c, 2); /* min() the first least */
        if (bottom == NULL || VALUE(c, 4) > PyFloat_AS_DOUBLE(bottom)) bottom = SLOT(c, 4);
        n_bold += SLOT(c, 7) == Py_True;
    }
    Py_ssize_t body_length = all_body ? n : n_body;
    PyObject *bold = (double)n_bold > (double)body_length / 2 ? Py_True : Py_False;

    /* The walk of raw_segments: each segment's (start, end) in buffer and its edges. */
    double segment_gap = segment_share * size_value, space_gap = space_share * size_value;
    Py_ssize_t length = 0, n_segments = 0, seg_begin = 0;
    PyObject *seg_start = SLOT(PyList_GET_ITEM(chars, 0), 1), *prev_x1 = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *c = PyList_GET_ITEM(chars, i);
        Py_UCS4 ch = PyUnicode_READ_CHAR(SLOT(c, 0), 0);
        int up = any_raised && raised[i];
        if (up && ch >= '0' && ch <= '9') ch = SUPERSCRIPTS[ch - '0'];
        PyObject *x0 = SLOT(c, 1);
        if (prev_x1 != NULL) {
            double gap = PyFloat_AS_DOUBLE(x0) - PyFloat_AS_DOUBLE(prev_x1);
            if (gap > segment_gap) {
                bounds[2 * n_segments] = seg_begin;
                bounds[2 * n_segments + 1] = length;
                edges[2 * n_segments] = seg_start;
                edges[2 * n_segments + 1] = prev_x1;
                n_segments++;
                seg_begin = length;
                seg_start = x0;
            } else if ((SLOT(c, 8) == Py_True || gap > space_gap) && !(up && is_superscript_digit(ch))) {
                buffer[length++] = ' ';
            }
        }
        buffer[length++] = ch;
        prev_x1 = SLOT(c, 3);
    }
    bounds[2 * n_segments] = seg_begin;
    bounds[2 * n_segments + 1] = length;
    edges[2 * n_segments] = seg_start;
    edges[2 * n_segments + 1] = prev_x1;
    n_segments++;

    segments = PyList_New(0);
    texts = PyList_New(0);
    if (segments == NULL || texts == NULL) goto done;
    Py_ssize_t first = 0;
    if (n_segments > 1) {
        /* a list bullet hangs before its text: one segment of (stripped) length one, a bullet */
        Py_ssize_t a = bounds[0], b = bounds[1];
        while (a < b && Py_UNICODE_ISSPACE(buffer[a])) a++;
        while (b > a && Py_UNICODE_ISSPACE(buffer[b - 1])) b--;
        if (b - a == 1 && PyUnicode_FindChar(bullets, buffer[a], 0, PyUnicode_GET_LENGTH(bullets), 1) >= 0) {
            PyObject *head = stripped(buffer, bounds[0], bounds[1]);
            PyObject *after = stripped(buffer, bounds[2], bounds[3]);
            PyObject *joined = head != NULL && after != NULL ? PyUnicode_FromFormat("%U %U", head, after) : NULL;
            Py_XDECREF(head);
            Py_XDECREF(after);
            if (joined == NULL) goto done;
            PyObject *segment = PyTuple_Pack(3, edges[0], edges[3], joined);
            int failed = segment == NULL || PyList_Append(segments, segment) < 0 || PyList_Append(texts, joined) < 0;
            Py_XDECREF(segment);
            Py_DECREF(joined);
            if (failed) goto done;
            first = 2;
        }
    }
    for (Py_ssize_t k = first; k < n_segments; k++) {
        PyObject *piece = stripped(buffer, bounds[2 * k], bounds[2 * k + 1]);
        if (piece == NULL) goto done;
        PyObject *segment = PyTuple_Pack(3, edges[2 * k], edges[2 * k + 1], piece);
        int failed = segment == NULL || PyList_Append(segments, segment) < 0 || PyList_Append(texts, piece) < 0;
        Py_XDECREF(segment);
        Py_DECREF(piece);
        if (failed) goto done;
    }
    if (PyList_GET_SIZE(texts) > 1) {
        PyObject *separator = PyUnicode_FromString("   ");
        if (separator == NULL) goto done;
        text = PyUnicode_Join(separator, texts);
        Py_DECREF(separator);
    } else {
        text = PyList_GET_ITEM(texts, 0);
        Py_INCREF(text);
    }
    if (text == NULL) goto done;
    line = ((PyTypeObject *)line_type)->tp_alloc((PyTypeObject *)line_type, 0);
    if (line == NULL) goto done;
    PyObject *fields[N_LINE_FIELDS] = {chars, SLOT(PyList_GET_ITEM(chars, 0), 1), top, x1, bottom, baseline, size,
                                       bold, text, segments};
    for (int k = 0; k < N_LINE_FIELDS; k++) {
        Py_INCREF(fields[k]);
        *(PyObject **)((char *)line + line_offsets[k]) = fields[k];
    }
done:
    PyMem_Free(buffer);
    PyMem_Free(bounds);
    PyMem_Free(edges);
    PyMem_Free(values);
    PyMem_Free(distinct);
    PyMem_Free(counts);
    PyMem_Free(raised);
    PyMem_Free(items);
    Py_XDECREF(segments);
    Py_XDECREF(texts);
    Py_XDECREF(text);
    return line;
#undef VALUE
#undef SLOT
}

typedef int (*count_objects_fn)(void *);
typedef void *(*page_object_fn)(void *, int);
typedef void *(*form_object_fn)(void *, unsigned long);
typedef int (*object_type_fn)(void *);
typedef int (*object_bounds_fn)(void *, float *, float *, float *, float *);

typedef struct {
    count_objects_fn count_page, count_form;
    page_object_fn page_object;
    form_object_fn form_object;
    object_type_fn type;
    object_bounds_fn bounds;
    int path_type, form_type, max_depth;
} object_walk;

/* Append the bounds of the path objects under parent (a page at level 0, else a form) to found;
 * 0, or 1 when pdfium fails (the caller walks again in Python to raise its error), -1 with an
 * exception set. */
static int walk_paths(const object_walk *w, void *parent, int level, PyObject *found) {
    int n = level == 0 ? w->count_page(parent) : w->count_form(parent);
    if (n < 0) return 1;
    for (int i = 0; i < n; i++) {
        void *obj = level == 0 ? w->page_object(parent, i) : w->form_object(parent, (unsigned long)i);
        if (obj == NULL) return 1;
        int kind = w->type(obj);
        if (kind == w->path_type) {
            float left = 0, bottom = 0, right = 0, top = 0;
            if (!w->bounds(obj, &left, &bottom, &right, &top)) return 1;
            PyObject *box = Py_BuildValue("(dddd)", (double)left, (double)bottom, (double)right, (double)top);
            if (box == NULL) return -1;
            int failed = PyList_Append(found, box);
            Py_DECREF(box);
            if (failed < 0) return -1;
        }
        if (kind == w->form_type && level < w->max_depth - 1) {
            int status = walk_paths(w, obj, level + 1, found);
            if (status != 0) return status;
        }
    }
    return 0;
}

/* path_bounds(page, count_objects, page_object, form_count_objects, form_object, object_type,
 * object_bounds, path_type, form_type, max_depth) -> [(left, bottom, right, top)] or None:
 * backend.path_bounds's walk over a page's objects (and its forms' down to max_depth levels)
 * in C, through pdfium's functions passed as addresses. None when pdfium fails: the Python
 * walk then raises its error. */
static PyObject *path_bounds(PyObject *self, PyObject *args) {
    unsigned long long page, count_page, page_object, count_form, form_object, type, bounds;
    object_walk w;
    if (!PyArg_ParseTuple(args, "KKKKKKKiii", &page, &count_page, &page_object, &count_form, &form_object, &type,
                          &bounds, &w.path_type, &w.form_type, &w.max_depth))
        return NULL;
    w.count_page = (count_objects_fn)(uintptr_t)count_page;
    w.count_form = (count_objects_fn)(uintptr_t)count_form;
    w.page_object = (page_object_fn)(uintptr_t)page_object;
    w.form_object = (form_object_fn)(uintptr_t)form_object;
    w.type = (object_type_fn)(uintptr_t)type;
    w.bounds = (object_bounds_fn)(uintptr_t)bounds;
    PyObject *found = PyList_New(0);
    if (found == NULL) return NULL;
    int status = walk_paths(&w, (void *)(uintptr_t)page, 0, found);
    if (status == 0) return found;
    Py_DECREF(found);
    if (status < 0) return NULL;
    Py_RETURN_NONE;
}

/* The least x0 and the greatest x1 of chars into *x0, *x1: 1, or 0 for an empty list, a char of
 * another shape or a NaN (the caller then asks Python). */
static int x_extent(PyObject *chars, PyObject *char_type, const Py_ssize_t offsets[N_FIELDS], double *x0, double *x1) {
    Py_ssize_t n = PyList_GET_SIZE(chars);
    if (n == 0) return 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *c = PyList_GET_ITEM(chars, i);
        if (Py_TYPE(c) != (PyTypeObject *)char_type) return 0;
        PyObject *left = *(PyObject **)((char *)c + offsets[1]), *right = *(PyObject **)((char *)c + offsets[3]);
        if (left == NULL || !PyFloat_CheckExact(left) || right == NULL || !PyFloat_CheckExact(right)) return 0;
        double l = PyFloat_AS_DOUBLE(left), r = PyFloat_AS_DOUBLE(right);
        if (isnan(l) || isnan(r)) return 0;
        if (i == 0 || l < *x0) *x0 = l;
        if (i == 0 || r > *x1) *x1 = r;
    }
    return 1;
}

/* overlaps_x(a, b, margin, char_type) -> bool or None: lines.overlaps_x in C (the chars of a
 * stand within the x extent of b's widened by margin on each side); None when a list is empty,
 * holds a char of another shape or a NaN: then Python answers. */
static PyObject *overlaps_x(PyObject *self, PyObject *args) {
    PyObject *a, *b, *char_type;
    double margin;
    if (!PyArg_ParseTuple(args, "O!O!dO", &PyList_Type, &a, &PyList_Type, &b, &margin, &char_type)) return NULL;
    Py_ssize_t offsets[N_FIELDS];
    double a0 = 0, a1 = 0, b0 = 0, b1 = 0;
    if (!slot_offsets(char_type, offsets) || !x_extent(a, char_type, offsets, &a0, &a1) ||
        !x_extent(b, char_type, offsets, &b0, &b1))
        Py_RETURN_NONE;
    return PyBool_FromLong(a0 >= b0 - margin && a1 <= b1 + margin);
}

/* chars_in_box(chars, left, right, upper, lower, char_type) -> list or None: the chars whose
 * centre lies within [left, right] x [upper, lower], in their order (tables.grid_to_table asks
 * it of each line for each cell of a ruled grid); None for a char of another shape or with a
 * coordinate that is not a float: then Python filters. */
static PyObject *chars_in_box(PyObject *self, PyObject *args) {
    PyObject *chars, *char_type;
    double left, right, upper, lower;
    if (!PyArg_ParseTuple(args, "O!ddddO", &PyList_Type, &chars, &left, &right, &upper, &lower, &char_type))
        return NULL;
    Py_ssize_t offsets[N_FIELDS];
    if (!slot_offsets(char_type, offsets)) Py_RETURN_NONE;
    Py_ssize_t n = PyList_GET_SIZE(chars);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *c = PyList_GET_ITEM(chars, i);
        if (Py_TYPE(c) != (PyTypeObject *)char_type) Py_RETURN_NONE;
        for (int k = 1; k <= 4; k++) {
            PyObject *v = *(PyObject **)((char *)c + offsets[k]);
            if (v == NULL || !PyFloat_CheckExact(v)) Py_RETURN_NONE;
        }
    }
    PyObject *inside = PyList_New(0);
    if (inside == NULL) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *c = PyList_GET_ITEM(chars, i);
#define VALUE(k) PyFloat_AS_DOUBLE(*(PyObject **)((char *)c + offsets[k]))
        double x = (VALUE(1) + VALUE(3)) / 2, y = (VALUE(2) + VALUE(4)) / 2;
#undef VALUE
        if (left <= x && x <= right && upper <= y && y <= lower && PyList_Append(inside, c) < 0) {
            Py_DECREF(inside);
            return NULL;
        }
    }
    return inside;
}

static PyMethodDef methods[] = {
    {"read_char_groups", read_char_groups, METH_VARARGS,
     "read_char_groups(text, page, text_object, loose_box, origin, height, style, char_type, tolerance)"
     " -> (n_chars, groups): a page's chars read from pdfium and grouped by baseline."},
    {"raw_segments", raw_segments, METH_VARARGS,
     "raw_segments(chars, raised, segment_gap, space_gap, char_type) -> [(x0, x1, text)] or None:"
     " a line's segments before their texts are stripped."},
    {"uniform_line", uniform_line, METH_VARARGS,
     "uniform_line(chars, char_type) -> (size, baseline, top, x1, bottom, bold) or None:"
     " a line's figures when its chars share one size and baseline."},
    {"sorted_by_x0", sorted_by_x0, METH_VARARGS,
     "sorted_by_x0(chars, char_type) -> bool: whether sorting the chars by x0 would leave them as they are."},
    {"line_of", line_of, METH_VARARGS,
     "line_of(chars, char_type, line_type, size_ratio, rise, segment_gap, space_gap, bullets) -> Line or None:"
     " lines.make_line in one call."},
    {"uniform_size", uniform_size, METH_VARARGS,
     "uniform_size(chars, char_type) -> the chars' one size, or None when they have several."},
    {"path_bounds", path_bounds, METH_VARARGS,
     "path_bounds(page, count_objects, page_object, form_count_objects, form_object, object_type, object_bounds,"
     " path_type, form_type, max_depth) -> [(left, bottom, right, top)] or None: the page's path objects' bounds."},
    {"overlaps_x", overlaps_x, METH_VARARGS,
     "overlaps_x(a, b, margin, char_type) -> bool or None: whether the chars of a stand within b's x extent"
     " widened by margin."},
    {"chars_in_box", chars_in_box, METH_VARARGS,
     "chars_in_box(chars, left, right, upper, lower, char_type) -> list or None: the chars centred in the box."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_chars", NULL, -1, methods};

PyMODINIT_FUNC PyInit__chars(void) {
    PyObject *m = PyModule_Create(&module);
    /* read_char_groups takes pdfium's font functions for ``style`` (older builds take only a callable) */
    if (m != NULL && PyModule_AddIntConstant(m, "FONTS_IN_C", 1) < 0) Py_CLEAR(m);
    return m;
}
