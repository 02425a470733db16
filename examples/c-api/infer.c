/* Runs a compiled model's infer graph through the C API.
 *
 *   amae-c-example MODEL.so WEIGHTS OUT.f32
 *
 * imgs[i] = sinf(0.001 i); writes the logits as raw float32 and prints the
 * graph's signature. Exit status 1 with amae_last_error() on failure. */
#include "runtime/amae_runtime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static size_t count(const int64_t *shape, size_t rank) {
  size_t n = 1;
  for (size_t i = 0; i < rank; ++i)
    n *= (size_t)shape[i];
  return n;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s MODEL.so WEIGHTS OUT.f32\n", argv[0]);
    return 2;
  }
  amae_model *model = amae_model_load(argv[1]);
  if (!model) {
    fprintf(stderr, "error: %s\n", amae_last_error());
    return 1;
  }
  amae_graph *graph = amae_graph_bind(model, "infer", argv[2]);
  if (!graph) {
    fprintf(stderr, "error: %s\n", amae_last_error());
    amae_model_free(model);
    return 1;
  }
  int64_t shape[8];
  size_t rank = amae_graph_input_shape(graph, 0, shape);
  size_t n = count(shape, rank);
  printf("input %s: %zu elements\n", amae_graph_input_name(graph, 0), n);
  float *imgs = malloc(n * sizeof(float));
  for (size_t i = 0; i < n; ++i)
    imgs[i] = sinf(0.001f * (float)i);

  size_t outputs = amae_graph_num_outputs(graph);
  void *out[8];
  size_t sizes[8];
  for (size_t o = 0; o < outputs && o < 8; ++o) {
    sizes[o] = count(shape, amae_graph_output_shape(graph, o, shape));
    out[o] = malloc(sizes[o] * sizeof(float));
    printf("output %s: %zu elements\n", amae_graph_output_name(graph, o), sizes[o]);
  }
  const void *in[1] = {imgs};
  int status = amae_graph_run(graph, in, out);
  if (status) {
    fprintf(stderr, "error: %s\n", amae_last_error());
  } else {
    FILE *f = fopen(argv[3], "wb");
    fwrite(out[0], sizeof(float), sizes[0], f);
    fclose(f);
  }
  for (size_t o = 0; o < outputs && o < 8; ++o)
    free(out[o]);
  free(imgs);
  amae_graph_free(graph);
  amae_model_free(model);
  return status ? 1 : 0;
}
