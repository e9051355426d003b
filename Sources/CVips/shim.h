#ifndef DEPOT_CVIPS_SHIM_H
#define DEPOT_CVIPS_SHIM_H
// libvips's calls that take optional arguments are C variadic functions, which Swift cannot call:
// each one Depot uses is wrapped here with fixed arguments. Every function returns 0 on success,
// -1 with vips's error buffer set on failure; images returned through `out` are the caller's to
// unref (`depot_vips_unref`), buffers the caller's to `g_free`.
#include <vips/vips.h>

static inline int depot_vips_start(int concurrency, int cache_operations, size_t cache_bytes) {
    if (VIPS_INIT("depot") != 0) return -1;
    vips_concurrency_set(concurrency);
    vips_cache_set_max(cache_operations);
    vips_cache_set_max_mem(cache_bytes);
    vips_cache_set_max_files(cache_operations > 0 ? 100 : 0);
    // Loaders that libvips itself does not consider safe for untrusted input are never used, and
    // of the rest only the formats Depot sniffs as images (SVG, PDF and friends stay blocked).
    vips_block_untrusted_set(TRUE);
    vips_operation_block_set("VipsForeignLoad", TRUE);
    // (Thumbnails load from files, so the file loaders are the ones let through.)
    vips_operation_block_set("VipsForeignLoadJpegFile", FALSE);
    vips_operation_block_set("VipsForeignLoadPngFile", FALSE);
    vips_operation_block_set("VipsForeignLoadNsgifFile", FALSE);
    vips_operation_block_set("VipsForeignLoadWebpFile", FALSE);
    vips_operation_block_set("VipsForeignLoadHeifFile", FALSE);
    vips_operation_block_set("VipsForeignLoadTiffFile", FALSE);
    return 0;
}

/// The header only (no pixels are decoded): width, height of the first page, the page count, and
/// whether the file is progressive or interlaced (then its loader cannot shrink while decoding,
/// and holds the whole image, or all its coefficients, in memory).
static inline int depot_vips_header(const char *path, int *width, int *height, int *pages, int *has_alpha, int *interlaced) {
    VipsImage *image = vips_image_new_from_file(path, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    if (image == NULL) return -1;
    *width = vips_image_get_width(image);
    *height = vips_image_get_height(image);
    *pages = vips_image_get_n_pages(image);
    *has_alpha = vips_image_hasalpha(image);
    int flag = 0;
    *interlaced = vips_image_get_typeof(image, "interlaced") != 0 && vips_image_get_int(image, "interlaced", &flag) == 0 && flag != 0;
    g_object_unref(image);
    return 0;
}

/// Shrink-on-load thumbnail of the file's first page into a size × size box: EXIF orientation
/// applied, never enlarged; `cover` fills the box and crops the centre. Truncated input fails
/// rather than giving grey pixels (`fail_on`, which the thumbnail passes to the file's loader).
static inline int depot_vips_thumbnail(const char *path, int size, int cover, VipsImage **out) {
    return vips_thumbnail(path, out, size, "height", size, "size", VIPS_SIZE_DOWN,
        "crop", cover ? VIPS_INTERESTING_CENTRE : VIPS_INTERESTING_NONE, "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL);
}

/// 8-bit sRGB (with its alpha band, if any): 16-bit, grey and CMYK results are converted.
static inline int depot_vips_srgb(VipsImage *in, VipsImage **out) {
    return vips_colourspace(in, out, VIPS_INTERPRETATION_sRGB, NULL);
}

/// Alpha composed onto white (for formats without transparency).
static inline int depot_vips_flatten_white(VipsImage *in, VipsImage **out) {
    double white[3] = {255, 255, 255};
    VipsArrayDouble *background = vips_array_double_new(white, 3);
    int result = vips_flatten(in, out, "background", background, NULL);
    vips_area_unref(VIPS_AREA(background));
    return result;
}

static inline int depot_vips_webp(VipsImage *in, int quality, void **buffer, size_t *length) {
    return vips_webpsave_buffer(in, buffer, length, "Q", quality, "strip", TRUE, NULL);
}

static inline int depot_vips_avif(VipsImage *in, int quality, int effort, void **buffer, size_t *length) {
    return vips_heifsave_buffer(in, buffer, length, "Q", quality, "compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1,
        "effort", effort, "strip", TRUE, NULL);
}

static inline int depot_vips_jpeg(VipsImage *in, int quality, void **buffer, size_t *length) {
    return vips_jpegsave_buffer(in, buffer, length, "Q", quality, "strip", TRUE, "optimize_coding", TRUE, NULL);
}

static inline int depot_vips_png(VipsImage *in, void **buffer, size_t *length) {
    return vips_pngsave_buffer(in, buffer, length, "strip", TRUE, "compression", 6, NULL);
}

static inline void depot_vips_unref(VipsImage *image) { g_object_unref(image); }
static inline void depot_vips_free(void *buffer) { g_free(buffer); }
static inline int depot_vips_bands(VipsImage *image) { return vips_image_get_bands(image); }
static inline int depot_vips_has_alpha(VipsImage *image) { return vips_image_hasalpha(image); }
static inline int depot_vips_width(VipsImage *image) { return vips_image_get_width(image); }
static inline int depot_vips_height(VipsImage *image) { return vips_image_get_height(image); }

#endif
