//===- CApi.cpp - C API of the amae runtime -------------------------------===//

#include "runtime/Model.h"
#include "runtime/amae_runtime.h"

#include <cstring>

struct amae_model {
  std::unique_ptr<amae::Model> model;
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
  return new amae_model{std::move(*model)};
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
  auto weights = amae::Checkpoint::open(checkpointPath);
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

int amae_graph_run(const amae_graph *g, const void *const *inputs, void *const *outputs) {
  const amae::GraphSignature &sig = g->bound.signature();
  std::map<std::string, amae::TensorView> named;
  for (size_t i = 0; i < sig.inputs.size(); ++i) {
    const amae::TensorSpec &spec = sig.inputs[i];
    amae::TensorView view;
    view.dtype = spec.dtype;
    view.shape = spec.shape;
    int64_t bytes = amae::checkedNumElements(spec.shape).value_or(0) *
                    amae::dtypeSize(spec.dtype);
    view.bytes = llvm::ArrayRef<uint8_t>(static_cast<const uint8_t *>(inputs[i]), bytes);
    named[spec.name] = std::move(view);
  }
  auto results = g->bound.run(named);
  if (!results)
    return fail(results.takeError(), 1);
  for (size_t i = 0; i < results->size(); ++i)
    std::memcpy(outputs[i], (*results)[i].data(), (*results)[i].bytes());
  lastError.clear();
  return 0;
}

} // extern "C"
