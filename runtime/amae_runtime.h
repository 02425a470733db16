/*===- amae_runtime.h - C API of the amae runtime -------------------------===*
 *
 * Load a compiled model, bind a checkpoint, run graphs on float32/int64
 * tensors. Every call that can fail returns NULL or a non-zero status and
 * leaves a message for amae_last_error() (per thread).
 *
 *   amae_model *m = amae_model_load("tiny.so");
 *   amae_graph *g = amae_graph_bind(m, "infer", "finetuned.pth");
 *   const void *in[] = {imgs};
 *   void *out[] = {logits, embedding};
 *   if (amae_graph_run(g, in, out)) fprintf(stderr, "%s\n", amae_last_error());
 *   amae_graph_free(g); amae_model_free(m);
 *
 * Inputs and outputs are contiguous row-major buffers in the order of the
 * graph's signature (amae_graph_input_name / amae_graph_output_name), with
 * the dtypes and shapes it reports.
 *
 *===----------------------------------------------------------------------===*/

#ifndef AMAE_RUNTIME_H
#define AMAE_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct amae_model amae_model;
typedef struct amae_graph amae_graph;

typedef enum { AMAE_F32 = 0, AMAE_I64 = 1 } amae_dtype;

/* The message of the last failed call on this thread ("" if none). */
const char *amae_last_error(void);

amae_model *amae_model_load(const char *path);
void amae_model_free(amae_model *model);
size_t amae_model_num_graphs(const amae_model *model);
/* The manifest (JSON): every graph's inputs, parameters and outputs with
 * dtype and shape, the input sample rate and normalisation. */
const char *amae_model_manifest(const amae_model *model);
/* Threads of the model's kernels (1 to 1024); returns 0 on success. */
int amae_model_set_threads(const amae_model *model, int threads);
/* One input image of an audio file (wav, flac, ogg): decoded, channel 0,
 * resampled to the model's rate, then the model's compiled `frontend`
 * graph (mean removed, Kaldi fbank, padded or cropped, normalised).
 * `frames` x `bins` must be the front end's image size; writes that many
 * floats to `image`; returns 0 on success. */
int amae_audio_image(const amae_model *model, const char *path, int64_t frames,
                     int64_t bins, float *image);
const char *amae_model_graph_name(const amae_model *model, size_t index);

/* Binds `graph` to the weights in a .safetensors or .pth checkpoint (NULL
 * for a graph without parameters, such as an AdamW step). */
amae_graph *amae_graph_bind(const amae_model *model, const char *graph,
                            const char *checkpoint_path);
void amae_graph_free(amae_graph *graph);

size_t amae_graph_num_inputs(const amae_graph *graph);
size_t amae_graph_num_outputs(const amae_graph *graph);
const char *amae_graph_input_name(const amae_graph *graph, size_t index);
const char *amae_graph_output_name(const amae_graph *graph, size_t index);
amae_dtype amae_graph_input_dtype(const amae_graph *graph, size_t index);
amae_dtype amae_graph_output_dtype(const amae_graph *graph, size_t index);
/* Rank, and the shape written to `shape` (at least rank entries). */
size_t amae_graph_input_shape(const amae_graph *graph, size_t index, int64_t *shape);
size_t amae_graph_output_shape(const amae_graph *graph, size_t index, int64_t *shape);

/* Runs once: inputs[i] and outputs[i] point at buffers of the reported
 * dtype and shape; outputs are written in place and must not overlap any
 * input. Returns 0 on success. */
int amae_graph_run(const amae_graph *graph, const void *const *inputs,
                   void *const *outputs);
/* As amae_graph_run, but an output may be the very buffer passed for the
 * input its manifest entry names in "in_place_of" (an AdamW step updating
 * parameters and moments where they are); any other overlap is an error. */
int amae_graph_run_in_place(const amae_graph *graph, const void *const *inputs,
                            void *const *outputs);
/* The bound value of parameter `name` (float32, the manifest's shape), NULL
 * if the graph has none; what is written there is what later runs use. */
void *amae_graph_param(amae_graph *graph, const char *name);
/* Writes the bound parameters to a .safetensors file; 0 on success. */
int amae_graph_save_params(const amae_graph *graph, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* AMAE_RUNTIME_H */
