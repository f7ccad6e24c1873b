/* The C interface between Caldera and its nvJPEG plugin (libcaldera_nvjpeg.so). The plugin is
 * compiled where nvJPEG's headers are (the CUDA toolkit of a GPU machine; this development
 * machine has none), and Caldera loads it at run time, so Caldera itself never links nvJPEG and
 * runs without it (decoding JPEG with libjpeg-turbo on the CPU). */
#ifndef CALDERA_NVJPEG_PLUGIN_H
#define CALDERA_NVJPEG_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CALDERA_NVJPEG_ABI 1
#define CALDERA_NVJPEG_INIT_SYMBOL "caldera_nvjpeg_init"

typedef struct CalderaNvjpegDecoder CalderaNvjpegDecoder;

/* Every function returns 0 on success, else writes a message into err (err_size bytes). */
typedef struct CalderaNvjpeg {
  int abi;
  CalderaNvjpegDecoder* (*create)(char* err, size_t err_size);
  void (*destroy)(CalderaNvjpegDecoder*);
  /* Size and number of colour components (1 gray, 3 colour) of a JPEG in memory. */
  int (*info)(CalderaNvjpegDecoder*, const uint8_t* data, size_t size, int* width, int* height, int* components,
              char* err, size_t err_size);
  /* Decodes to interleaved 8-bit RGB (components 3) or gray (1) in device memory at dst with
   * pitch bytes per row, queued on the CUDA stream `stream`. The data must stay valid until the
   * call returns (nvJPEG parses on the host before it queues the GPU work). */
  int (*decode)(CalderaNvjpegDecoder*, const uint8_t* data, size_t size, int components, uint8_t* dst, size_t pitch,
                void* stream, char* err, size_t err_size);
} CalderaNvjpeg;

typedef int (*CalderaNvjpegInitFn)(CalderaNvjpeg* out);

#ifdef __cplusplus
}
#endif

#endif
