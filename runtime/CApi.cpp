//===- CApi.cpp - C API of the amae runtime -------------------------------===//

#include "runtime/Dataset.h"
#include "runtime/Model.h"
#include "runtime/amae_runtime.h"

#include "llvm/Support/FormatVariadic.h"

#include <mutex>
#include <optional>

#include <cstring>

struct amae_model {
  std::unique_ptr<amae::Model> model;
  std::string manifest; // JSON, for amae_model_manifest
  // The compiled front end, bound on the first amae_audio_image.
  std::optional<amae::CompiledFrontEnd> frontEnd;
  std::mutex frontEndLock;
};

struct amae_graph {
  amae::BoundGraph bound;
};

namespace {
thread_local std::string lastError;

template <typename T> T fail(llvm::Error err, T result) {
  lastError = llvm::toString(std::move(err));
  return result;
}

const amae::TensorSpec &input(const amae_graph *g, size_t i) {
  return g->bound.signature().inputs.at(i);
}
const amae::TensorSpec &output(const amae_graph *g, size_t i) {
  return g->bound.signature().outputs.at(i);
}
amae_dtype dtypeOf(const amae::TensorSpec &t) {
  return t.dtype == amae::DType::I64 ? AMAE_I64 : AMAE_F32;
}
size_t shapeOf(const amae::TensorSpec &t, int64_t *shape) {
  if (shape)
    std::copy(t.shape.begin(), t.shape.end(), shape);
  return t.shape.size();
}
} // namespace

extern "C" {

const char *amae_last_error(void) { return lastError.c_str(); }

amae_model *amae_model_load(const char *path) {
  auto model = amae::Model::load(path);
  if (!model)
    return fail(model.takeError(), nullptr);
  std::string manifest = llvm::formatv("{0}", (*model)->manifest().toJSON()).str();
  auto *m = new amae_model;
  m->model = std::move(*model);
  m->manifest = std::move(manifest);
  return m;
}

const char *amae_model_manifest(const amae_model *model) { return model->manifest.c_str(); }

int amae_model_set_threads(const amae_model *model, int threads) {
  if (!model->model->setThreads(threads))
    return fail(llvm::createStringError("the thread count must be in [1, " +
                                        llvm::Twine(amae::Model::kMaxThreads) + "], got " +
                                        llvm::Twine(threads)),
                1);
  return 0;
}

int amae_audio_image(const amae_model *model, const char *path, int64_t frames, int64_t bins,
                     float *image) {
  auto *m = const_cast<amae_model *>(model);
  std::lock_guard<std::mutex> guard(m->frontEndLock);
  if (!m->frontEnd) {
    auto fe = amae::CompiledFrontEnd::bind(*m->model);
    if (!fe)
      return fail(fe.takeError(), 1);
    m->frontEnd = std::move(*fe);
  }
  const amae::CompiledFrontEnd &fe = *m->frontEnd;
  if (frames != fe.frames() || bins != fe.bins())
    return fail(llvm::createStringError(llvm::formatv(
                    "the model's front end makes {0} x {1} images, not {2} x {3}",
                    fe.frames(), fe.bins(), frames, bins)),
                1);
  auto wave = amae::loadChannel0(path, fe.sampleRate());
  if (!wave)
    return fail(wave.takeError(), 1);
  auto values = fe.images({*wave});
  if (!values)
    return fail(values.takeError(), 1);
  std::copy(values->begin(), values->end(), image);
  lastError.clear();
  return 0;
}

void amae_model_free(amae_model *model) { delete model; }

size_t amae_model_num_graphs(const amae_model *model) {
  return model->model->manifest().graphs.size();
}

const char *amae_model_graph_name(const amae_model *model, size_t index) {
  return model->model->manifest().graphs.at(index).name.c_str();
}

amae_graph *amae_graph_bind(const amae_model *model, const char *graph,
                            const char *checkpointPath) {
  // A graph without parameters (an optimizer step) binds to nothing.
  auto weights = checkpointPath ? amae::Checkpoint::open(checkpointPath)
                                : llvm::Expected<amae::Checkpoint>(amae::Checkpoint());
  if (!weights)
    return fail(weights.takeError(), nullptr);
  auto bound = model->model->bind(graph, *weights);
  if (!bound)
    return fail(bound.takeError(), nullptr);
  return new amae_graph{std::move(*bound)};
}

void amae_graph_free(amae_graph *graph) { delete graph; }

size_t amae_graph_num_inputs(const amae_graph *g) { return g->bound.signature().inputs.size(); }
size_t amae_graph_num_outputs(const amae_graph *g) { return g->bound.signature().outputs.size(); }
const char *amae_graph_input_name(const amae_graph *g, size_t i) { return input(g, i).name.c_str(); }
const char *amae_graph_output_name(const amae_graph *g, size_t i) { return output(g, i).name.c_str(); }
amae_dtype amae_graph_input_dtype(const amae_graph *g, size_t i) { return dtypeOf(input(g, i)); }
amae_dtype amae_graph_output_dtype(const amae_graph *g, size_t i) { return dtypeOf(output(g, i)); }
size_t amae_graph_input_shape(const amae_graph *g, size_t i, int64_t *shape) {
  return shapeOf(input(g, i), shape);
}
size_t amae_graph_output_shape(const amae_graph *g, size_t i, int64_t *shape) {
  return shapeOf(output(g, i), shape);
}

/// The caller's buffers as the runtime's views (the signature's sizes).
static std::map<std::string, amae::TensorView> inputViews(const amae_graph *g,
                                                          const void *const *inputs) {
  std::map<std::string, amae::TensorView> named;
  for (size_t i = 0; i < g->bound.signature().inputs.size(); ++i) {
    const amae::TensorSpec &spec = g->bound.signature().inputs[i];
    amae::TensorView view;
    view.dtype = spec.dtype;
    view.shape = spec.shape;
    int64_t bytes = amae::checkedNumElements(spec.shape).value_or(0) *
                    amae::dtypeSize(spec.dtype);
    view.bytes = llvm::ArrayRef<uint8_t>(static_cast<const uint8_t *>(inputs[i]), bytes);
    named[spec.name] = std::move(view);
  }
  return named;
}

static int runGraph(const amae_graph *g, const void *const *inputs, void *const *outputs,
                    bool inPlace) {
  std::vector<void *> targets(outputs, outputs + g->bound.signature().outputs.size());
  if (llvm::Error err = g->bound.runIntoBuffers(inputViews(g, inputs), targets, inPlace))
    return fail(std::move(err), 1);
  lastError.clear();
  return 0;
}

int amae_graph_run(const amae_graph *g, const void *const *inputs, void *const *outputs) {
  return runGraph(g, inputs, outputs, /*inPlace=*/false);
}

int amae_graph_run_in_place(const amae_graph *g, const void *const *inputs,
                            void *const *outputs) {
  return runGraph(g, inputs, outputs, /*inPlace=*/true);
}

void *amae_graph_param(amae_graph *g, const char *name) {
  amae::HostTensor *t = g->bound.param(name);
  if (!t)
    return fail(llvm::createStringError("graph '" + g->bound.signature().name +
                                        "' has no parameter '" + name + "'"),
                nullptr);
  return t->data();
}

int amae_graph_save_params(const amae_graph *g, const char *path) {
  amae::Checkpoint out;
  for (const amae::TensorSpec &p : g->bound.signature().params)
    g->bound.param(p.name)->copyInto(out, p.name);
  if (llvm::Error err = amae::writeSafetensors(path, out))
    return fail(std::move(err), 1);
  lastError.clear();
  return 0;
}

} // extern "C"
