/* The PDF reader's per-character loop in C (issue 17): a page's printed chars read from
 * pdfium and grouped by baseline, as backend.page_to_char_groups does it in Python.
 *
 * pdfium has no call for many characters at once, so each char still costs three calls
 * (its text object, loose box and origin); here they are plain C calls through the
 * function pointers pypdfium2's library exports (passed in as addresses: nothing links to
 * pdfium), and the Char objects are made with the class passed in. Font size and weight
 * come from a Python callable, once per text object. The Python version
 * (backend._read_chars_py and lines.baseline_groups) is the reference: the two give the
 * same chars in the same groups (tests/test_pdf_chars.py). */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

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

static int compare_keys(const void *a, const void *b) {
    const sort_key *p = a, *q = b;
    if (p->baseline < q->baseline) return -1;
    if (q->baseline < p->baseline) return 1;
    if (p->x0 < q->x0) return -1;
    if (q->x0 < p->x0) return 1;
    return (p->index > q->index) - (p->index < q->index);
}

#define N_FIELDS 9
static const char *FIELDS[N_FIELDS] = {"text", "x0", "top", "x1", "bottom", "baseline", "size", "bold", "space_before"};

/* Where a slotted class keeps each of FIELDS, when its slots are exactly FIELDS in this order
 * (the Char dataclass): then a Char is made by filling its slots, as its __init__ would,
 * without a Python call per char. 0 when the class is another shape: then it is called. */
static int slot_offsets(PyObject *type, Py_ssize_t offsets[N_FIELDS]) {
    if (!PyType_Check(type)) return 0;
    PyObject *slots = PyObject_GetAttrString(type, "__slots__");
    if (slots == NULL) {
        PyErr_Clear();
        return 0;
    }
    int ok = PyTuple_Check(slots) && PyTuple_GET_SIZE(slots) == N_FIELDS;
    for (int k = 0; ok && k < N_FIELDS; k++) {
        PyObject *name = PyTuple_GET_ITEM(slots, k);
        ok = PyUnicode_Check(name) && PyUnicode_CompareWithASCIIString(name, FIELDS[k]) == 0;
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

/* read_char_groups(text, page, text_object, loose_box, origin, height, style, char_type, tolerance)
 * -> (n_chars, groups): the printed chars of ``text`` (one character per pdfium char index)
 * sorted by (baseline, x0) and cut into groups whose baselines lie within ``tolerance``
 * times the char's size (at least 1) of the group's first. */
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

    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    PyObject *chars = PyList_New(0);
    PyObject *styles = PyDict_New();
    sort_key *keys = n > 0 ? malloc(sizeof(sort_key) * (size_t)n) : NULL;
    PyObject *groups = NULL;
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
        if (key) {
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
            made = PyObject_CallFunction(style, "n", i);
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
            PyFloat_FromDouble(height - (double)box.top),
            PyFloat_FromDouble((double)box.right),
            PyFloat_FromDouble(height - (double)box.bottom),
            PyFloat_FromDouble(baseline),
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
    qsort(keys, (size_t)count, sizeof(sort_key), compare_keys);
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
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_chars", NULL, -1, methods};

PyMODINIT_FUNC PyInit__chars(void) { return PyModule_Create(&module); }
