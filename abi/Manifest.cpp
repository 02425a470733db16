//===- Manifest.cpp - Graph signatures and weight binding -----------------===//

#include "abi/Manifest.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/raw_ostream.h"

namespace amae {

const GraphSignature *Manifest::find(llvm::StringRef graph) const {
  for (const GraphSignature &g : graphs)
    if (g.name == graph)
      return &g;
  return nullptr;
}

static llvm::json::Value tensorToJSON(const TensorSpec &t) {
  llvm::json::Array shape;
  for (int64_t d : t.shape)
    shape.push_back(d);
  llvm::json::Object o{{"name", t.name},
                       {"dtype", dtypeName(t.dtype)},
                       {"shape", std::move(shape)}};
  if (t.frozen)
    o["frozen"] = true;
  if (t.defaultValue)
    o["default"] = *t.defaultValue;
  if (!t.inPlaceOf.empty())
    o["in_place_of"] = t.inPlaceOf;
  return o;
}

llvm::json::Value Manifest::toJSON() const {
  llvm::json::Array graphArray;
  for (const GraphSignature &g : graphs) {
    auto list = [](const std::vector<TensorSpec> &tensors) {
      llvm::json::Array a;
      for (const TensorSpec &t : tensors)
        a.push_back(tensorToJSON(t));
      return a;
    };
    graphArray.push_back(llvm::json::Object{{"name", g.name},
                                            {"batch", g.batch},
                                            {"inputs", list(g.inputs)},
                                            {"params", list(g.params)},
                                            {"outputs", list(g.outputs)}});
  }
  llvm::json::Array features;
  for (const std::string &f : cpuFeatures)
    features.push_back(f);
  llvm::json::Object root{{"model", model},
                           {"batch", batch},
                           {"cpu", cpu},
                           {"cpu_features", std::move(features)},
                           {"sample_rate", sampleRate},
                           {"norm_mean", normMean},
                           {"norm_std", normStd},
                           {"graphs", std::move(graphArray)}};
  if (threads)
    root["threads"] = threads;
  if (!gpuArch.empty()) {
    root["gpu_arch"] = gpuArch;
    root["gpu_gemm_precision"] = gpuGemmPrecision;
    root["gpu_gemm_library"] = gpuGemmLibrary;
  }
  return root;
}

std::vector<std::string> missingCpuFeatures(const std::vector<std::string> &required,
                                            const llvm::StringMap<bool> &available) {
  std::vector<std::string> missing;
  for (const std::string &f : required)
    if (!available.lookup(f))
      missing.push_back(f);
  return missing;
}

llvm::Expected<llvm::json::Value> parseJSONObject(llvm::StringRef text) {
  llvm::Expected<llvm::json::Value> root = llvm::json::parse(text);
  if (root && !root->getAsObject())
    return llvm::createStringError("not an object");
  return root;
}

llvm::Expected<Manifest> Manifest::fromJSON(llvm::StringRef text,
                                            llvm::StringRef file) {
  auto fail = [&](const llvm::Twine &message) {
    return checkpointError(file, "malformed manifest: " + message);
  };
  llvm::Expected<llvm::json::Value> root = parseJSONObject(text);
  if (!root)
    return fail(llvm::toString(root.takeError()));
  const llvm::json::Object *o = root->getAsObject();
  Manifest m;
  if (auto name = o->getString("model"))
    m.model = name->str();
  if (auto batch = o->getInteger("batch"))
    m.batch = *batch;
  if (auto cpu = o->getString("cpu"))
    m.cpu = cpu->str();
  if (const llvm::json::Array *features = o->getArray("cpu_features"))
    for (const llvm::json::Value &f : *features) {
      if (!f.getAsString())
        return fail("cpu_features holds something other than a name");
      m.cpuFeatures.push_back(f.getAsString()->str());
    }
  if (auto threads = o->getInteger("threads")) {
    if (*threads < 0 || *threads > 1024)
      return fail("threads must be in [0, 1024]");
    m.threads = *threads;
  }
  if (auto arch = o->getString("gpu_arch")) {
    if (!arch->starts_with("sm_"))
      return fail("gpu_arch must name a GPU architecture like sm_90");
    m.gpuArch = arch->str();
  }
  if (auto precision = o->getString("gpu_gemm_precision")) {
    if (*precision != "fp32" && *precision != "tf32" && *precision != "bf16")
      return fail("gpu_gemm_precision must be fp32, tf32 or bf16");
    m.gpuGemmPrecision = precision->str();
  }
  if (auto library = o->getString("gpu_gemm_library")) {
    if (*library != "cublaslt" && *library != "cublas")
      return fail("gpu_gemm_library must be cublaslt or cublas");
    m.gpuGemmLibrary = library->str();
  }
  if (auto rate = o->getInteger("sample_rate"))
    m.sampleRate = *rate;
  if (auto mean = o->getNumber("norm_mean"))
    m.normMean = static_cast<float>(*mean);
  if (auto std = o->getNumber("norm_std"))
    m.normStd = static_cast<float>(*std);
  const llvm::json::Array *graphs = o->getArray("graphs");
  if (!graphs)
    return fail("no graphs");
  for (const llvm::json::Value &gv : *graphs) {
    const llvm::json::Object *g = gv.getAsObject();
    if (!g || !g->getString("name"))
      return fail("a graph without a name");
    GraphSignature sig;
    sig.name = g->getString("name")->str();
    sig.batch = g->getInteger("batch").value_or(m.batch);
    for (auto [key, out] : {std::pair("inputs", &sig.inputs),
                            std::pair("params", &sig.params),
                            std::pair("outputs", &sig.outputs)}) {
      const llvm::json::Array *list = g->getArray(key);
      if (!list)
        return fail("graph '" + sig.name + "' has no " + key);
      for (const llvm::json::Value &tv : *list) {
        const llvm::json::Object *t = tv.getAsObject();
        TensorSpec spec;
        std::optional<DType> dtype;
        if (t && t->getString("dtype"))
          dtype = parseDTypeName(*t->getString("dtype"));
        if (!t || !t->getString("name") || !dtype || !t->getArray("shape"))
          return fail("graph '" + sig.name + "': a tensor without name, dtype or shape");
        spec.name = t->getString("name")->str();
        spec.dtype = *dtype;
        for (const llvm::json::Value &d : *t->getArray("shape")) {
          std::optional<int64_t> size = d.getAsInteger();
          if (!size || *size < 0)
            return fail("tensor '" + spec.name + "' has a bad shape");
          spec.shape.push_back(*size);
        }
        spec.frozen = t->getBoolean("frozen").value_or(false);
        spec.defaultValue = t->getNumber("default");
        if (auto of = t->getString("in_place_of"))
          spec.inPlaceOf = of->str();
        if (spec.defaultValue && !spec.shape.empty())
          return fail("tensor '" + spec.name + "' has a default but is not a scalar");
        out->push_back(std::move(spec));
      }
    }
    m.graphs.push_back(std::move(sig));
  }
  return m;
}

/// Float parameters accept any floating-point checkpoint dtype (converted on
/// load); other dtypes must match exactly.
static bool convertible(DType from, DType to) {
  auto isFloat = [](DType d) {
    return d == DType::F32 || d == DType::F16 || d == DType::BF16 || d == DType::F64;
  };
  return from == to || (isFloat(from) && isFloat(to));
}

llvm::Error checkWeights(const GraphSignature &graph, const Checkpoint &checkpoint,
                         bool allowUnused) {
  std::string problems;
  llvm::raw_string_ostream os(problems);
  llvm::StringSet<> wanted;
  for (const TensorSpec &p : graph.params) {
    wanted.insert(p.name);
    const TensorView *t = checkpoint.find(p.name);
    if (!t) {
      os << "\n  missing tensor '" << p.name << "' (graph '" << graph.name
         << "' expects " << dtypeName(p.dtype) << " " << formatShape(p.shape) << ")";
      continue;
    }
    if (t->shape != p.shape)
      os << "\n  tensor '" << p.name << "' has shape " << formatShape(t->shape)
         << ", graph '" << graph.name << "' expects " << formatShape(p.shape);
    else if (!convertible(t->dtype, p.dtype))
      os << "\n  tensor '" << p.name << "' is " << dtypeName(t->dtype)
         << ", graph '" << graph.name << "' expects " << dtypeName(p.dtype);
  }
  if (!allowUnused)
    for (const std::string &name : checkpoint.names())
      if (!wanted.contains(name))
        os << "\n  unexpected tensor '" << name << "' (graph '" << graph.name
           << "' does not take it)";
  if (problems.empty())
    return llvm::Error::success();
  return checkpointError(checkpoint.path(),
                         "does not fit graph '" + graph.name + "':" + problems);
}

} // namespace amae
