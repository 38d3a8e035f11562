/* feremotion: facial emotion recognition as an in-place video filter. */
#pragma once

#include <gst/video/gstvideofilter.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

#define GST_TYPE_FEREMOTION (gst_feremotion_get_type())
G_DECLARE_FINAL_TYPE(GstFerEmotion, gst_feremotion, GST, FEREMOTION, GstVideoFilter)

typedef enum {
  GST_FEREMOTION_DETECTOR_HAAR,
  GST_FEREMOTION_DETECTOR_NONE,
  GST_FEREMOTION_DETECTOR_YUNET,
} GstFerEmotionDetector;

typedef enum {
  GST_FEREMOTION_PRECISION_AUTO,
  GST_FEREMOTION_PRECISION_FP32,
  GST_FEREMOTION_PRECISION_BF16,
  GST_FEREMOTION_PRECISION_INT8,
} GstFerEmotionPrecision;

/* Where classification runs: on the streaming thread, or on a worker so that a live
 * stream never waits for it (auto: a worker when upstream is live). */
typedef enum {
  GST_FEREMOTION_ASYNC_AUTO,
  GST_FEREMOTION_ASYNC_OFF,
  GST_FEREMOTION_ASYNC_ON,
} GstFerEmotionAsync;

/* The same values as facedetect's "updates". */
typedef enum {
  GST_FEREMOTION_UPDATES_EVERY_FRAME,
  GST_FEREMOTION_UPDATES_ON_CHANGE,
  GST_FEREMOTION_UPDATES_ON_FACE,
  GST_FEREMOTION_UPDATES_NONE,
} GstFerEmotionUpdates;

/* Test-time augmentation of the classifier. */
typedef enum {
  GST_FEREMOTION_TTA_NONE,
  GST_FEREMOTION_TTA_FLIP,
} GstFerEmotionTta;

GType gst_feremotion_detector_get_type(void);
GType gst_feremotion_updates_get_type(void);
GType gst_feremotion_precision_get_type(void);
GType gst_feremotion_async_get_type(void);
GType gst_feremotion_tta_get_type(void);

GST_ELEMENT_REGISTER_DECLARE(feremotion);

G_END_DECLS
