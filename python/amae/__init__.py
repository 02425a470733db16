"""amae from Python: compiled AudioMAE models over the runtime's C API.

    import amae
    model = amae.Model("base.so")                       # amae-compile output
    infer = model.bind("infer", "finetuned.pth")        # or .safetensors
    out = infer.run(imgs=batch)                         # numpy in, numpy out
    print(model.classify(["dog.wav"], "finetuned.pth", labels="class_labels_indices.csv"))
    vectors = model.embed(["dog.wav", "cat.flac"], "finetuned.pth")

Training, one AdamW step at a time, parameters and moments updated in place
(the artifact needs `amae-compile --grads --optimizer`):

    step = amae.AdamW(model, "finetune", "init.safetensors", lr=1e-3)
    loss = step(imgs=x, target=y)

Pure Python over ctypes and numpy; the library is found through
AMAE_LIBRARY, else where the build or `cmake --install` put it (_paths.py).
"""
import csv
import ctypes
import json
import os

import numpy as np

__all__ = ["Error", "Model", "Graph", "AdamW"]


class Error(RuntimeError):
    """A failure reported by the runtime (its message names file or tensor)."""


def _library_path():
    if os.environ.get("AMAE_LIBRARY"):
        return os.environ["AMAE_LIBRARY"]
    try:
        from . import _paths
        return _paths.library
    except ImportError:
        raise Error("cannot find libamae.so: set AMAE_LIBRARY, or import amae from the "
                    "build tree (build/python) or an installed prefix") from None


def _load():
    lib = ctypes.CDLL(_library_path())
    c_p, c_s, c_i64 = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int64
    sigs = {
        "amae_last_error": ([], c_s),
        "amae_model_load": ([c_s], c_p),
        "amae_model_free": ([c_p], None),
        "amae_model_manifest": ([c_p], c_s),
        "amae_model_set_threads": ([c_p, ctypes.c_int], ctypes.c_int),
        "amae_audio_image": ([c_p, c_s, c_i64, c_i64, c_p], ctypes.c_int),
        "amae_graph_bind": ([c_p, c_s, c_s], c_p),
        "amae_graph_free": ([c_p], None),
        "amae_graph_run": ([c_p, c_p, c_p], ctypes.c_int),
        "amae_graph_run_in_place": ([c_p, c_p, c_p], ctypes.c_int),
        "amae_graph_param": ([c_p, c_s], c_p),
        "amae_graph_save_params": ([c_p, c_s], ctypes.c_int),
    }
    for name, (args, result) in sigs.items():
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = args, result
    return lib


_lib = None


def _c():
    global _lib
    if _lib is None:
        _lib = _load()
    return _lib


def _check(ok):
    if not ok:
        raise Error(_c().amae_last_error().decode())


_NUMPY = {"F32": np.float32, "I64": np.int64}


class Tensor:
    """One entry of a signature: name, numpy dtype, shape."""

    def __init__(self, entry):
        self.name = entry["name"]
        self.dtype = np.dtype(_NUMPY[entry["dtype"]])
        self.shape = tuple(entry["shape"])
        self.default = entry.get("default")
        self.in_place_of = entry.get("in_place_of")

    def __repr__(self):
        return "%s %s%s" % (self.name, self.dtype, list(self.shape))


class Model:
    """A compiled model (a shared library from amae-compile)."""

    def __init__(self, path, threads=None):
        self._handle = _c().amae_model_load(os.fsencode(path))
        _check(self._handle)
        self.path = path
        self.manifest = json.loads(_c().amae_model_manifest(self._handle))
        self.graphs = {g["name"]: g for g in self.manifest["graphs"]}
        if threads is not None:
            self.set_threads(threads)

    def set_threads(self, threads):
        _check(_c().amae_model_set_threads(self._handle, int(threads)) == 0)

    def bind(self, graph, weights):
        """The graph `graph` with the parameters of a checkpoint bound."""
        return Graph(self, graph, weights)

    def audio_images(self, paths, frames, bins):
        """Input images (len(paths) x frames x bins) of audio files."""
        images = np.zeros((len(paths), frames, bins), dtype=np.float32)
        for i, path in enumerate(paths):
            _check(_c().amae_audio_image(self._handle, os.fsencode(path), frames, bins,
                                         images[i].ctypes.data) == 0)
        return images

    def _infer_rows(self, paths, weights):
        graph = self.bind("infer", weights)
        imgs = graph.inputs[0]
        batch, frames, bins = imgs.shape[0], imgs.shape[2], imgs.shape[3]
        rows = {}
        for first in range(0, len(paths), batch):
            chunk = paths[first:first + batch]
            x = np.zeros(imgs.shape, dtype=np.float32)
            x[:len(chunk), 0] = self.audio_images(chunk, frames, bins)
            out = graph.run(imgs=x)
            for name, value in out.items():
                rows.setdefault(name, []).append(value[:len(chunk)])
        return {name: np.concatenate(parts) for name, parts in rows.items()}

    def embed(self, paths, weights):
        """The pooled embedding of each audio file (files x width)."""
        return self._infer_rows(list(paths), weights)["embedding"]

    def classify(self, paths, weights, labels=None, top_k=5):
        """Per file, the top_k (label, probability) pairs (sigmoid of the
        logits, as AudioSet's multi-label head is trained). `labels` is a
        class_labels_indices.csv (index, mid, display_name) or a list."""
        logits = self._infer_rows(list(paths), weights)["logits"]
        names = _label_names(labels, logits.shape[1])
        probs = 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))
        return [[(names[c], float(p[c])) for c in np.argsort(-p, kind="stable")[:top_k]]
                for p in probs]

    def __del__(self):
        if getattr(self, "_handle", None):
            _c().amae_model_free(self._handle)
            self._handle = None


def _label_names(labels, classes):
    if labels is None:
        return [str(c) for c in range(classes)]
    if isinstance(labels, (list, tuple)):
        names = list(labels)
    else:
        with open(labels, newline="") as f:
            rows = list(csv.DictReader(f))
        if rows and "display_name" not in rows[0]:
            raise Error("%s: not a class_labels_indices.csv (no display_name column)" % labels)
        names = [r["display_name"] for r in sorted(rows, key=lambda r: int(r["index"]))]
    if len(names) != classes:
        raise Error("%d labels for a model with %d classes" % (len(names), classes))
    return names


class Graph:
    """A graph of a model with its parameters bound."""

    def __init__(self, model, name, weights):
        if name not in model.graphs:
            raise Error("%s has no graph '%s' (it has %s)"
                        % (model.path, name, ", ".join(model.graphs)))
        self.model, self.name = model, name
        path = None if weights is None else os.fsencode(weights)
        self._handle = _c().amae_graph_bind(model._handle, name.encode(), path)
        _check(self._handle)
        g = model.graphs[name]
        self.inputs = [Tensor(t) for t in g["inputs"]]
        self.params = [Tensor(t) for t in g["params"]]
        self.outputs = [Tensor(t) for t in g["outputs"]]

    def _arguments(self, values):
        unknown = set(values) - {t.name for t in self.inputs}
        if unknown:
            raise Error("graph '%s' has no input %s (inputs: %s)"
                        % (self.name, ", ".join(sorted(unknown)),
                           ", ".join(t.name for t in self.inputs)))
        arrays = []
        for t in self.inputs:
            if t.name in values:
                a = np.asarray(values[t.name])
            elif t.default is not None:
                a = np.asarray(t.default)
            else:
                raise Error("graph '%s' needs input '%s' (%r)" % (self.name, t.name, t))
            if a.shape != t.shape:
                raise Error("input '%s' has shape %s, graph '%s' expects %s"
                            % (t.name, list(a.shape), self.name, list(t.shape)))
            arrays.append(np.ascontiguousarray(a, dtype=t.dtype))
        return arrays

    def _call(self, arrays, outputs, in_place):
        ins = (ctypes.c_void_p * len(arrays))(*[a.ctypes.data for a in arrays])
        outs = (ctypes.c_void_p * len(outputs))(*[o.ctypes.data for o in outputs])
        run = _c().amae_graph_run_in_place if in_place else _c().amae_graph_run
        _check(run(self._handle, ins, outs) == 0)

    def run(self, inputs=None, **named):
        """Runs once: inputs by name (a dict and/or keywords), outputs as a
        dict of fresh arrays; scalar inputs with a default may be left out."""
        arrays = self._arguments({**(inputs or {}), **named})
        outputs = [np.empty(t.shape, dtype=t.dtype) for t in self.outputs]
        self._call(arrays, outputs, in_place=False)
        return {t.name: o for t, o in zip(self.outputs, outputs)}

    def param(self, name):
        """The bound value of a parameter as an array sharing its memory:
        what is written there is what later runs use."""
        spec = next((t for t in self.params if t.name == name), None)
        if spec is None:
            raise Error("graph '%s' has no parameter '%s'" % (self.name, name))
        ptr = _c().amae_graph_param(self._handle, name.encode())
        _check(ptr)
        count = int(np.prod(spec.shape, dtype=np.int64))
        buf = (ctypes.c_float * count).from_address(ptr)
        return np.frombuffer(buf, dtype=np.float32).reshape(spec.shape)

    def save(self, path):
        """Writes the bound parameters to a .safetensors file."""
        _check(_c().amae_graph_save_params(self._handle, os.fsencode(path)) == 0)

    def __del__(self):
        if getattr(self, "_handle", None):
            _c().amae_graph_free(self._handle)
            self._handle = None


class AdamW:
    """Training steps of `graph` (pretrain or finetune): the graph's
    gradients, then its compiled AdamW step (`<graph>_adamw`, the official
    parameter groups), which updates the bound parameters and the moments in
    place. `lr` is a number or a function of the step (1, 2, ...)."""

    def __init__(self, model, graph, weights, lr, betas=None, weight_decay=None):
        step_name = graph + "_adamw"
        if step_name not in model.graphs:
            raise Error("%s has no '%s' graph; compile it with amae-compile --grads --optimizer"
                        % (model.path, step_name))
        self.train = model.bind(graph, weights)
        self.update = Graph(model, step_name, None)  # no parameters
        missing = [t.name for t in self.update.outputs if t.in_place_of != t.name]
        if missing:
            raise Error("the AdamW step of %s does not update %s in place"
                        % (model.path, missing[0]))
        self.lr, self.steps = lr, 0
        self.scalars = {}
        if betas is not None:
            self.scalars.update(beta1=np.float32(betas[0]), beta2=np.float32(betas[1]))
        if weight_decay is not None:
            self.scalars["weight_decay"] = np.float32(weight_decay)
        trained = {t.name for t in self.update.outputs}
        self.params = {t.name: self.train.param(t.name) for t in self.train.params
                       if t.name in trained}
        self.moments = {}
        for t in self.update.outputs:
            if t.name not in self.params:
                self.moments[t.name] = np.zeros(t.shape, dtype=np.float32)

    def __call__(self, inputs=None, **named):
        """One step on a batch; returns the loss before the update."""
        out = self.train.run(inputs, **named)
        self.steps += 1
        lr = self.lr(self.steps) if callable(self.lr) else self.lr
        values = dict(self.scalars, lr=np.float32(lr), step=np.int64(self.steps))
        for t in self.update.inputs:
            if t.name in self.params:
                values[t.name] = self.params[t.name]
            elif t.name in self.moments:
                values[t.name] = self.moments[t.name]
            elif t.name.startswith("grad."):
                values[t.name] = out[t.name]
        arrays = self.update._arguments(values)
        targets = [self.params.get(t.name, self.moments.get(t.name)) for t in self.update.outputs]
        # The parameters and moments are passed as themselves (no copy), so
        # each output overwrites its input, as the manifest allows.
        for a, t in zip(arrays, self.update.inputs):
            if t.name in self.params or t.name in self.moments:
                assert a is values[t.name], t.name
        self.update._call(arrays, targets, in_place=True)
        return float(out["loss"])

    def save(self, path):
        self.train.save(path)

