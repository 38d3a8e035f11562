/**
 * SECTION:element-feremotion
 *
 * Finds faces in each frame (OpenCV), classifies each face's emotion with a ResNet run
 * through LibTorch, and attaches the results to the buffer as GstVideoRegionOfInterestMeta
 * ("face", with an "emotion" parameter structure), posts them as "feremotion" element
 * messages, and draws boxes and labels when overlay=true. Takes the raw formats cameras
 * and decoders give (YUY2, UYVY, I420, NV12, RGB variants, GRAY8) without conversion.
 *
 * |[
 * gst-launch-1.0 v4l2src ! feremotion model=m.pth ! autovideosink
 * ]|
 */
#include "gstferemotion.h"

#include <chrono>
#include <new>
#include <string>

#include "emotion_engine.hpp"
#include "results_json.hpp"
#include "results_out.hpp"
#include "tsan_annotations.hpp"

GST_DEBUG_CATEGORY_STATIC(gst_feremotion_debug);
#define GST_CAT_DEFAULT gst_feremotion_debug

// The object lock guards the properties; the annotations let ThreadSanitizer see that it does.
static inline void lock_settings(GstFerEmotion* self) {
  GST_OBJECT_LOCK(self);
  FER_TSAN_ACQUIRE(self);
}

static inline void unlock_settings(GstFerEmotion* self) {
  FER_TSAN_RELEASE(self);
  GST_OBJECT_UNLOCK(self);
}

#define FORMATS "{ YUY2, UYVY, I420, NV12, BGR, RGB, BGRx, BGRA, RGBx, RGBA, xRGB, ARGB, GRAY8 }"

enum {
  PROP_0,
  PROP_MODEL,
  PROP_LABELS,
  PROP_DETECTOR,
  PROP_DETECTOR_MODEL,
  PROP_MIN_FACE_SIZE,
  PROP_MAX_FACES,
  PROP_MARGIN,
  PROP_INTERVAL,
  PROP_SMOOTHING,
  PROP_OVERLAY,
  PROP_DEVICE,
  PROP_THREADS,
  PROP_UPDATES,
  PROP_PRECISION,
  PROP_SCORE_THRESHOLD,
  PROP_NMS_THRESHOLD,
  PROP_DETECTION_SIZE,
  PROP_ALIGN,
  PROP_ASYNC,
  PROP_DETECT_INTERVAL,
  PROP_RESULTS_FILE,
  PROP_ALLOW_TORCHSCRIPT,
  PROP_TTA,
};

#define DEFAULT_MODEL nullptr
#define DEFAULT_LABELS nullptr
#define DEFAULT_DETECTOR GST_FEREMOTION_DETECTOR_HAAR
#define DEFAULT_DETECTOR_MODEL nullptr
#define DEFAULT_MIN_FACE_SIZE 30
#define DEFAULT_MAX_FACES 0
#define DEFAULT_MARGIN -1.0
#define DEFAULT_INTERVAL 1
#define DEFAULT_SMOOTHING 0.5
#define DEFAULT_OVERLAY TRUE
#define DEFAULT_DEVICE "cpu"
#define DEFAULT_THREADS 0
#define DEFAULT_UPDATES GST_FEREMOTION_UPDATES_EVERY_FRAME
#define DEFAULT_PRECISION GST_FEREMOTION_PRECISION_AUTO
#define DEFAULT_TTA GST_FEREMOTION_TTA_NONE
#define DEFAULT_SCORE_THRESHOLD 0.5
#define DEFAULT_NMS_THRESHOLD 0.3
#define DEFAULT_DETECTION_SIZE -1
#define DEFAULT_ALIGN FALSE
#define DEFAULT_ASYNC GST_FEREMOTION_ASYNC_AUTO
#define DEFAULT_DETECT_INTERVAL 0
#define DEFAULT_RESULTS_FILE nullptr
#define DEFAULT_ALLOW_TORCHSCRIPT FALSE
/* What detect-interval=0 means. Measured with scripts/bench/realtime.py: every third frame keeps a
 * 640x480 30 fps camera at 30 fps with no delay, where every frame falls behind, and runs a file
 * ~1.3x faster. Haar finds tracked faces again near their boxes in between (on the demo's drawn
 * video recall 0.980 and precision 0.997, against 0.982 and 0.999 searching every frame), so it
 * gets that interval everywhere; YuNet, whose full search costs 7 ms, searches every frame of a file
 * and every third live (near searches in between, 0.22 ms a face). */
#define AUTO_DETECT_INTERVAL 3

// The element's C++ state: one object, built in place by _init and destroyed by finalize (GObject
// allocates the instance as plain memory).
struct FerState {
  feremotion::EmotionEngine engine;
  std::string last_labels;                   // for updates=on_change
  feremotion::JsonLinesWriter results_json;  // open while results-file is set, start to stop
};

struct _GstFerEmotion {
  GstVideoFilter parent;

  /* properties, under the object lock */
  gchar* model;
  gchar* labels;
  GstFerEmotionDetector detector;
  gchar* detector_model;
  gint min_face_size;
  gint max_faces;
  gdouble margin;
  gint interval;
  gdouble smoothing;
  gboolean overlay;
  gchar* device;
  gint threads;
  GstFerEmotionUpdates updates;
  GstFerEmotionPrecision precision;
  GstFerEmotionTta tta;
  gdouble score_threshold;
  gdouble nms_threshold;
  gint detection_size;
  gboolean align;
  gboolean align_set;  /* align given by the user; else it follows the model */
  gboolean allow_torchscript;

  /* streaming state */
  FerState cpp;
  guint last_face_count;
  GstFerEmotionAsync async;
  gint detect_interval;
  gint upstream_live; /* -1 unknown, else the answer of the latency query */
  gint said_haar_fallback;  /* detector=yunet without detector-model: logged once */
  gchar* results_file;
  gint64 frame_number;
  gboolean said_write_failed;
  gint64 frame_warning_time;  /* monotonic us of the last per-frame warning posted, -1 none yet */
  guint frame_warnings_held;  /* failed frames since then, not posted */
};

G_DEFINE_TYPE(GstFerEmotion, gst_feremotion, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE(feremotion, "feremotion", GST_RANK_NONE, GST_TYPE_FEREMOTION);

/* The four property enums register the same way: once, thread-safely. */
static GType register_enum_once(GType* type, const char* name, const GEnumValue* values) {
  if (g_once_init_enter(type)) g_once_init_leave(type, g_enum_register_static(name, values));
  return *type;
}

GType gst_feremotion_detector_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_FEREMOTION_DETECTOR_HAAR, "OpenCV Haar cascade (frontal face, from opencv-data)", "haar"},
      {GST_FEREMOTION_DETECTOR_NONE, "None: the whole frame is one face (pre-cropped streams)", "none"},
      {GST_FEREMOTION_DETECTOR_YUNET, "YuNet (ONNX from opencv_zoo, set detector-model): turned and small faces, "
       "landmarks for align", "yunet"},
      {0, nullptr, nullptr}};
  return register_enum_once(&type, "GstFerEmotionDetector", values);
}

GType gst_feremotion_updates_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_FEREMOTION_UPDATES_EVERY_FRAME, "Send a message for every frame", "every_frame"},
      {GST_FEREMOTION_UPDATES_ON_CHANGE, "Send a message when the faces or their labels change", "on_change"},
      {GST_FEREMOTION_UPDATES_ON_FACE, "Send a message for every frame with at least one face", "on_face"},
      {GST_FEREMOTION_UPDATES_NONE, "Send no messages", "none"},
      {0, nullptr, nullptr}};
  return register_enum_once(&type, "GstFerEmotionUpdates", values);
}

GType gst_feremotion_precision_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_FEREMOTION_PRECISION_AUTO, "int8 where the model file is calibrated (fer-quantize), keeps >= 99% of "
                                       "its labels there and the CPU has VNNI, else bf16 where the CPU multiplies bf16 natively (AVX512-BF16, AMX), else fp32", "auto"},
      {GST_FEREMOTION_PRECISION_FP32, "32-bit floats", "fp32"},
      {GST_FEREMOTION_PRECISION_BF16, "bfloat16 weights and activations", "bf16"},
      {GST_FEREMOTION_PRECISION_INT8, "int8 weights and activations (VNNI; a model calibrated by fer-quantize)", "int8"},
      {0, nullptr, nullptr}};
  return register_enum_once(&type, "GstFerEmotionPrecision", values);
}

GType gst_feremotion_async_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_FEREMOTION_ASYNC_AUTO, "On a worker thread when upstream is live, else on the streaming thread", "auto"},
      {GST_FEREMOTION_ASYNC_OFF, "On the streaming thread: every frame carries its own classification", "off"},
      {GST_FEREMOTION_ASYNC_ON, "On a worker thread: frames never wait; results join their faces when ready", "on"},
      {0, nullptr, nullptr}};
  return register_enum_once(&type, "GstFerEmotionAsync", values);
}

GType gst_feremotion_tta_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_FEREMOTION_TTA_NONE, "Each crop once", "none"},
      {GST_FEREMOTION_TTA_FLIP, "Each crop and its mirror image, probabilities averaged (twice the classifier's work)",
       "flip"},
      {0, nullptr, nullptr}};
  return register_enum_once(&type, "GstFerEmotionTta", values);
}

/* Asks upstream once whether it is live (a camera, RTSP): then classification must not hold frames. */
static gboolean upstream_is_live(GstFerEmotion* self) {
  if (self->upstream_live < 0) {
    GstQuery* q = gst_query_new_latency();
    gboolean live = FALSE;
    if (gst_pad_peer_query(GST_BASE_TRANSFORM_SINK_PAD(self), q)) gst_query_parse_latency(q, &live, nullptr, nullptr);
    gst_query_unref(q);
    self->upstream_live = live ? 1 : 0;
    GST_INFO_OBJECT(self, "upstream is %slive", live ? "" : "not ");
  }
  return self->upstream_live == 1;
}

/* The element's GEnums onto the core's enums: the one place they meet. */
static fer::Precision core_precision(GstFerEmotionPrecision p) {
  switch (p) {
    case GST_FEREMOTION_PRECISION_FP32: return fer::Precision::Fp32;
    case GST_FEREMOTION_PRECISION_BF16: return fer::Precision::Bf16;
    case GST_FEREMOTION_PRECISION_INT8: return fer::Precision::Int8;
    case GST_FEREMOTION_PRECISION_AUTO: break;
  }
  return fer::Precision::Auto;
}

static fer::Classifier::Tta core_tta(GstFerEmotionTta t) {
  return t == GST_FEREMOTION_TTA_FLIP ? fer::Classifier::Tta::Flip : fer::Classifier::Tta::None;
}

static fer::DetectorKind core_detector(GstFerEmotionDetector d) {
  switch (d) {
    case GST_FEREMOTION_DETECTOR_NONE: return fer::DetectorKind::None;
    case GST_FEREMOTION_DETECTOR_YUNET: return fer::DetectorKind::Yunet;
    case GST_FEREMOTION_DETECTOR_HAAR: break;
  }
  return fer::DetectorKind::Haar;
}

/* A consistent copy of the properties for one frame or one load. */
static feremotion::EngineSettings settings_of(GstFerEmotion* self) {
  feremotion::EngineSettings s;
  lock_settings(self);
  s.model = self->model ? self->model : "";
  s.labels = self->labels ? self->labels : "";
  s.device = self->device ? self->device : DEFAULT_DEVICE;
  s.precision = core_precision(self->precision);
  s.detector.kind = core_detector(self->detector);
  s.detector.model = self->detector_model ? self->detector_model : "";
  s.detector.min_face_size = self->min_face_size;
  s.detector.score_threshold = static_cast<float>(self->score_threshold);
  s.detector.nms_threshold = static_cast<float>(self->nms_threshold);
  s.detector.input_size = self->detection_size;
  // One precision property for both networks: YuNet runs in what the classifier runs in.
  s.detector.yunet_runtime = s.precision == fer::Precision::Fp32   ? fer::YunetRuntime::Fp32
                             : s.precision == fer::Precision::Bf16 ? fer::YunetRuntime::Bf16
                                                                   : fer::YunetRuntime::Auto;
  s.analyzer.align = self->align;
  s.align_from_model = !self->align_set;
  s.analyzer.interval = self->interval;
  s.analyzer.detect_interval = self->detect_interval;
  s.analyzer.smoothing = self->smoothing;
  s.analyzer.max_faces = self->max_faces;
  s.analyzer.margin = self->margin;
  s.analyzer.tta = core_tta(self->tta);
  s.overlay = self->overlay;
  s.allow_torchscript = self->allow_torchscript;
  unlock_settings(self);
  /* No YuNet file: stay on Haar (its own cascade), and say so once. */
  if (s.detector.kind == fer::DetectorKind::Yunet && s.detector.model.empty()) {
    s.detector.kind = fer::DetectorKind::Haar;
    if (g_atomic_int_compare_and_exchange(&self->said_haar_fallback, 0, 1))
      GST_WARNING_OBJECT(self, "detector=yunet without detector-model: using the Haar cascade (set "
                         "detector-model to opencv_zoo's face_detection_yunet ONNX file)");
  }
  return s;
}


/* A model cut from other crops than this element cuts: a warning on the bus, once per model. */
static void warn_crop_mismatch(GstElement* element, const fer::ModelInfo& info, fer::DetectorKind detector) {
  const std::string warning = fer::crop_mismatch(info.crop, detector);
  if (!warning.empty())
    GST_ELEMENT_WARNING(element, STREAM, FORMAT, ("%s", warning.c_str()),
                        ("set detector=%s (model %s)", info.crop.detector.c_str(), info.path.c_str()));
}

/* A model or detector problem in GStreamer's terms: a missing file is RESOURCE/NOT_FOUND, one that
 * cannot be read or used RESOURCE/OPEN_READ, a refused kind of file RESOURCE/SETTINGS, a runtime
 * without the device asked for LIBRARY/INIT. Posted as an error (start) or a warning (while playing). */
static void post_load_problem(GstElement* element, GstMessageType type, const fer::ModelError& e, const std::string& debug) {
  GQuark domain = GST_RESOURCE_ERROR;
  gint code = GST_RESOURCE_ERROR_OPEN_READ;
  switch (e.kind()) {
    case fer::ErrorKind::NotFound: code = GST_RESOURCE_ERROR_NOT_FOUND; break;
    case fer::ErrorKind::Refused: code = GST_RESOURCE_ERROR_SETTINGS; break;
    case fer::ErrorKind::NoDevice:
      domain = GST_LIBRARY_ERROR;
      code = GST_LIBRARY_ERROR_INIT;
      break;
    default: break;
  }
  gst_element_message_full(element, type, domain, code, g_strdup(fer::first_line(e.what()).c_str()), g_strdup(debug.c_str()),
                           __FILE__, GST_FUNCTION, __LINE__);
}

/* What the engine's loader thread reports. `element` stays valid: start() hands the engine a
 * reference on it, dropped in stop() once that thread has ended. */
static feremotion::EngineEvents engine_events(GstFerEmotion* self) {
  GstElement* element = GST_ELEMENT(self);
  feremotion::EngineEvents ev;
  ev.model_failed = [element](const fer::ModelError& e) {
    post_load_problem(element, GST_MESSAGE_WARNING, e, "keeping the previous model");
  };
  ev.model_loaded = [element](const fer::ModelInfo& info) {
    GST_INFO_OBJECT(element, "model %s swapped in: %s, %zu classes, %d px", info.path.c_str(), info.arch.c_str(),
                    info.classes.size(), info.input_size);
    warn_crop_mismatch(element, info, settings_of(GST_FEREMOTION(element)).detector.kind);
  };
  ev.detector_failed = [element](const fer::ModelError& e, const fer::DetectorOptions& o) {
    // Settings already changed again (detector-model set just before detector=yunet): that newer
    // detector loads next, and this failure is nobody's mistake.
    if (!feremotion::same_detector(settings_of(GST_FEREMOTION(element)).detector, o)) return;
    post_load_problem(element, GST_MESSAGE_WARNING, e,
                      "detector " + std::string(fer::name_of(o.kind)) + " (" + o.model + ") not loaded; keeping the previous detector");
  };
  ev.detector_loaded = [element](const std::string& name) {
    GST_INFO_OBJECT(element, "faces now found by %s", name.c_str());
  };
  return ev;
}

static void reload_model(GstFerEmotion* self) {
  const feremotion::EngineSettings s = settings_of(self);
  if (s.model.empty()) return;
  if (self->cpp.engine.request_model(s)) GST_INFO_OBJECT(self, "loading model %s in the background", s.model.c_str());
}

static void gst_feremotion_set_property(GObject* object, guint prop_id, const GValue* value, GParamSpec* pspec) {
  GstFerEmotion* self = GST_FEREMOTION(object);
  gboolean model_changed = FALSE;
  lock_settings(self);
  switch (prop_id) {
    case PROP_MODEL:
      g_free(self->model);
      self->model = g_value_dup_string(value);
      model_changed = TRUE;
      break;
    case PROP_LABELS:
      g_free(self->labels);
      self->labels = g_value_dup_string(value);
      model_changed = TRUE;
      break;
    case PROP_DETECTOR: self->detector = static_cast<GstFerEmotionDetector>(g_value_get_enum(value)); break;
    case PROP_DETECTOR_MODEL:
      g_free(self->detector_model);
      self->detector_model = g_value_dup_string(value);
      break;
    case PROP_MIN_FACE_SIZE: self->min_face_size = g_value_get_int(value); break;
    case PROP_MAX_FACES: self->max_faces = g_value_get_int(value); break;
    case PROP_MARGIN: self->margin = g_value_get_double(value); break;
    case PROP_INTERVAL: self->interval = g_value_get_int(value); break;
    case PROP_SMOOTHING: self->smoothing = g_value_get_double(value); break;
    case PROP_OVERLAY: self->overlay = g_value_get_boolean(value); break;
    case PROP_DEVICE:
      g_free(self->device);
      self->device = g_value_dup_string(value);
      model_changed = TRUE;
      break;
    case PROP_THREADS:
      self->threads = g_value_get_int(value);
      fer::Classifier::set_threads(self->threads);
      break;
    case PROP_UPDATES: self->updates = static_cast<GstFerEmotionUpdates>(g_value_get_enum(value)); break;
    case PROP_TTA: self->tta = static_cast<GstFerEmotionTta>(g_value_get_enum(value)); break;
    case PROP_PRECISION:
      self->precision = static_cast<GstFerEmotionPrecision>(g_value_get_enum(value));
      model_changed = TRUE;
      break;
    case PROP_SCORE_THRESHOLD: self->score_threshold = g_value_get_double(value); break;
    case PROP_NMS_THRESHOLD: self->nms_threshold = g_value_get_double(value); break;
    case PROP_DETECTION_SIZE: self->detection_size = g_value_get_int(value); break;
    case PROP_ALIGN:
      self->align = g_value_get_boolean(value);
      self->align_set = TRUE;
      break;
    case PROP_ASYNC: self->async = static_cast<GstFerEmotionAsync>(g_value_get_enum(value)); break;
    case PROP_DETECT_INTERVAL: self->detect_interval = g_value_get_int(value); break;
    case PROP_RESULTS_FILE:
      g_free(self->results_file);
      self->results_file = g_value_dup_string(value);
      break;
    case PROP_ALLOW_TORCHSCRIPT:
      self->allow_torchscript = g_value_get_boolean(value);
      model_changed = TRUE;
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
  }
  unlock_settings(self);
  /* While running, a new model loads beside the old one; before start() it loads in start(). */
  if (model_changed && self->cpp.engine.started()) reload_model(self);
}

static void gst_feremotion_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec) {
  GstFerEmotion* self = GST_FEREMOTION(object);
  lock_settings(self);
  switch (prop_id) {
    case PROP_MODEL: g_value_set_string(value, self->model); break;
    case PROP_LABELS: g_value_set_string(value, self->labels); break;
    case PROP_DETECTOR: g_value_set_enum(value, self->detector); break;
    case PROP_DETECTOR_MODEL: g_value_set_string(value, self->detector_model); break;
    case PROP_MIN_FACE_SIZE: g_value_set_int(value, self->min_face_size); break;
    case PROP_MAX_FACES: g_value_set_int(value, self->max_faces); break;
    case PROP_MARGIN: g_value_set_double(value, self->margin); break;
    case PROP_INTERVAL: g_value_set_int(value, self->interval); break;
    case PROP_SMOOTHING: g_value_set_double(value, self->smoothing); break;
    case PROP_OVERLAY: g_value_set_boolean(value, self->overlay); break;
    case PROP_DEVICE: g_value_set_string(value, self->device); break;
    case PROP_THREADS: g_value_set_int(value, self->threads); break;
    case PROP_UPDATES: g_value_set_enum(value, self->updates); break;
    case PROP_PRECISION: g_value_set_enum(value, self->precision); break;
    case PROP_TTA: g_value_set_enum(value, self->tta); break;
    case PROP_SCORE_THRESHOLD: g_value_set_double(value, self->score_threshold); break;
    case PROP_NMS_THRESHOLD: g_value_set_double(value, self->nms_threshold); break;
    case PROP_DETECTION_SIZE: g_value_set_int(value, self->detection_size); break;
    case PROP_ALIGN: g_value_set_boolean(value, self->align); break;
    case PROP_ASYNC: g_value_set_enum(value, self->async); break;
    case PROP_DETECT_INTERVAL: g_value_set_int(value, self->detect_interval); break;
    case PROP_RESULTS_FILE: g_value_set_string(value, self->results_file); break;
    case PROP_ALLOW_TORCHSCRIPT: g_value_set_boolean(value, self->allow_torchscript); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
  }
  unlock_settings(self);
}

static gboolean gst_feremotion_start(GstBaseTransform* trans) {
  GstFerEmotion* self = GST_FEREMOTION(trans);
  const feremotion::EngineSettings s = settings_of(self);
  if (s.model.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("No model given: set the \"model\" property to a .pth file"),
                      ("model property is empty"));
    return FALSE;
  }
  try {
    self->cpp.engine.start(s, engine_events(self), std::shared_ptr<void>(gst_object_ref(self), gst_object_unref));
  } catch (const fer::ModelError& e) {
    post_load_problem(GST_ELEMENT(self), GST_MESSAGE_ERROR, e,
                      "feremotion could not load model '" + s.model + "' or detector '" + fer::name_of(s.detector.kind) + "'");
    return FALSE;
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(self, LIBRARY, INIT, ("%s", fer::first_line(e.what()).c_str()),
                      ("feremotion could not load model '%s' or detector '%s'", s.model.c_str(),
                       fer::name_of(s.detector.kind)));
    return FALSE;
  }
  lock_settings(self);
  const std::string results_file = self->results_file ? self->results_file : "";
  unlock_settings(self);
  if (!results_file.empty()) {
    try {
      self->cpp.results_json.open(results_file);
    } catch (const std::exception& e) {
      self->cpp.engine.stop();
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE, ("%s", e.what()), ("results-file '%s'", results_file.c_str()));
      return FALSE;
    }
  }
  self->frame_number = 0;
  self->said_write_failed = FALSE;
  self->frame_warning_time = -1;
  self->frame_warnings_held = 0;
  const auto info = self->cpp.engine.model()->info();
  GST_INFO_OBJECT(self, "model %s (%s, %s, %zu classes, %d px, %s)", info.path.c_str(), fer::model_kind_name(info.kind),
                  info.arch.c_str(), info.classes.size(), info.input_size, info.precision.c_str());
  if (!info.precision_note.empty()) GST_WARNING_OBJECT(self, "%s", info.precision_note.c_str());
  GST_INFO_OBJECT(self, "faces found by %s", self->cpp.engine.detector_name().c_str());
  warn_crop_mismatch(GST_ELEMENT(self), info, s.detector.kind);
  self->last_face_count = G_MAXUINT;
  self->cpp.last_labels.clear();
  self->upstream_live = -1;
  return TRUE;
}

static gboolean gst_feremotion_stop(GstBaseTransform* trans) {
  GstFerEmotion* self = GST_FEREMOTION(trans);
  self->cpp.engine.stop();
  self->cpp.results_json.close();
  return TRUE;
}

static gboolean should_post(GstFerEmotion* self, GstFerEmotionUpdates updates, const feremotion::FrameResults& r) {
  switch (updates) {
    case GST_FEREMOTION_UPDATES_NONE: return FALSE;
    case GST_FEREMOTION_UPDATES_ON_FACE: return !r.faces.empty();
    case GST_FEREMOTION_UPDATES_ON_CHANGE: {
      std::string labels;
      for (const auto& f : r.faces) labels += std::to_string(f.track_id) + ":" + std::to_string(f.label_id) + ",";
      const gboolean changed = r.faces.size() != self->last_face_count || labels != self->cpp.last_labels;
      self->last_face_count = r.faces.size();
      self->cpp.last_labels = labels;
      return changed;
    }
    default: return TRUE;
  }
}

/* A failing frame is warned about at once; while frames keep failing, at most one warning a second
 * follows, counting the frames in between (a failing worker would otherwise post 30 a second). */
static bool write_results_line(GstFerEmotion* self, gint64 frame_number, GstBuffer* buffer,
                               const std::vector<fer::FaceResult>& faces, const std::vector<std::string>& classes) {
  std::vector<feremotion::FaceRecord> records;
  for (const auto& f : faces) records.push_back(feremotion::face_record(f, classes));
  return self->cpp.results_json.write_line(feremotion::frame_json(frame_number, GST_BUFFER_PTS(buffer), records));
}

static void warn_frame_failed(GstFerEmotion* self, gint64 frame_number, const char* what) {
  const gint64 now = g_get_monotonic_time();
  if (self->frame_warning_time >= 0 && now - self->frame_warning_time < G_USEC_PER_SEC) {
    ++self->frame_warnings_held;
    return;
  }
  const guint held = self->frame_warnings_held;
  self->frame_warning_time = now;
  self->frame_warnings_held = 0;
  GST_ELEMENT_WARNING(self, STREAM, FAILED, ("Emotion recognition failed on a frame: %s", fer::first_line(what).c_str()),
                      ("frame %" G_GINT64_FORMAT " passed through unchanged; %u more failed since the last warning",
                       frame_number, held));
}

/* The caps are fixed: how this format is read and painted is decided here, once. */
static gboolean gst_feremotion_set_info(GstVideoFilter* filter, GstCaps*, GstVideoInfo* in_info, GstCaps*,
                                        GstVideoInfo*) {
  GST_FEREMOTION(filter)->cpp.engine.set_format(*in_info);
  return TRUE;
}

static GstFlowReturn gst_feremotion_transform_frame_ip(GstVideoFilter* filter, GstVideoFrame* frame) {
  GstFerEmotion* self = GST_FEREMOTION(filter);
  feremotion::EngineSettings s = settings_of(self);
  lock_settings(self);
  const GstFerEmotionUpdates updates = self->updates;
  const GstFerEmotionAsync async = self->async;
  unlock_settings(self);
  s.analyzer.async = async == GST_FEREMOTION_ASYNC_ON || (async == GST_FEREMOTION_ASYNC_AUTO && upstream_is_live(self));
  if (s.analyzer.detect_interval == 0)
    s.analyzer.detect_interval = s.detector.kind == fer::DetectorKind::Haar || upstream_is_live(self) ? AUTO_DETECT_INTERVAL : 1;

  feremotion::FrameResults r;
  const gint64 frame_number = self->frame_number++;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    r = self->cpp.engine.process(frame, s);
  } catch (const std::exception& e) {
    /* One bad frame must not end the stream: pass it through, and warn without flooding the bus. */
    warn_frame_failed(self, frame_number, e.what());
    return GST_FLOW_OK;
  }
  if (!r.model) return GST_FLOW_OK;
  GST_LOG_OBJECT(self, "%zu faces in %.1f ms", r.faces.size(),
                 std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  const auto& classes = r.model->info().classes;
  feremotion::attach_roi_metas(frame->buffer, r.faces, classes);
  if (self->cpp.results_json.is_open() && !write_results_line(self, frame_number, frame->buffer, r.faces, classes) &&
      !self->said_write_failed) {
    /* Keep the stream going: the video matters more than the side file. */
    self->said_write_failed = TRUE;
    GST_ELEMENT_WARNING(self, RESOURCE, WRITE, ("Could not write results to '%s' (disk full?)",
                        self->cpp.results_json.path().c_str()), ("results from frame %" G_GINT64_FORMAT " on are missing",
                        frame_number));
  }
  if (should_post(self, updates, r))
    gst_element_post_message(GST_ELEMENT(self),
                             feremotion::make_results_message(GST_BASE_TRANSFORM(self), frame->buffer, r.faces, classes));
  return GST_FLOW_OK;
}

static void gst_feremotion_finalize(GObject* object) {
  GstFerEmotion* self = GST_FEREMOTION(object);
  self->cpp.~FerState();
  g_free(self->results_file);
  g_free(self->model);
  g_free(self->labels);
  g_free(self->detector_model);
  g_free(self->device);
  G_OBJECT_CLASS(gst_feremotion_parent_class)->finalize(object);
}

static void gst_feremotion_init(GstFerEmotion* self) {
  self->model = g_strdup(DEFAULT_MODEL);
  self->labels = g_strdup(DEFAULT_LABELS);
  self->detector = DEFAULT_DETECTOR;
  self->detector_model = g_strdup(DEFAULT_DETECTOR_MODEL);
  self->min_face_size = DEFAULT_MIN_FACE_SIZE;
  self->max_faces = DEFAULT_MAX_FACES;
  self->margin = DEFAULT_MARGIN;
  self->interval = DEFAULT_INTERVAL;
  self->smoothing = DEFAULT_SMOOTHING;
  self->overlay = DEFAULT_OVERLAY;
  self->device = g_strdup(DEFAULT_DEVICE);
  self->threads = DEFAULT_THREADS;
  self->updates = DEFAULT_UPDATES;
  self->precision = DEFAULT_PRECISION;
  self->tta = DEFAULT_TTA;
  self->score_threshold = DEFAULT_SCORE_THRESHOLD;
  self->nms_threshold = DEFAULT_NMS_THRESHOLD;
  self->detection_size = DEFAULT_DETECTION_SIZE;
  self->align = DEFAULT_ALIGN;
  self->said_haar_fallback = 0;
  new (&self->cpp) FerState();
  self->async = DEFAULT_ASYNC;
  self->detect_interval = DEFAULT_DETECT_INTERVAL;
  self->upstream_live = -1;
  self->results_file = g_strdup(DEFAULT_RESULTS_FILE);
  self->frame_number = 0;
  self->allow_torchscript = DEFAULT_ALLOW_TORCHSCRIPT;
  self->frame_warning_time = -1;
}

static void gst_feremotion_class_init(GstFerEmotionClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass* trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  GstVideoFilterClass* filter_class = GST_VIDEO_FILTER_CLASS(klass);

  gobject_class->set_property = gst_feremotion_set_property;
  gobject_class->get_property = gst_feremotion_get_property;
  gobject_class->finalize = gst_feremotion_finalize;

  const auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  g_object_class_install_property(gobject_class, PROP_MODEL,
      g_param_spec_string("model", "Model", "Model file: a .pth from fer-train or fer-import (scripts/get-model.sh "
                          "makes the public FER2013 real-face model), a torchvision ResNet state_dict, or TorchScript "
                          "(required; changing it while playing loads the new one in the background)",
                          DEFAULT_MODEL, flags));
  g_object_class_install_property(gobject_class, PROP_LABELS,
      g_param_spec_string("labels", "Labels", "Comma-separated class names overriding the model's "
                          "(default: the model's, else Anger,Fear,Happy,Neutral,Sad)", DEFAULT_LABELS, flags));
  g_object_class_install_property(gobject_class, PROP_DETECTOR,
      g_param_spec_enum("detector", "Detector", "Face detector", gst_feremotion_detector_get_type(),
                        DEFAULT_DETECTOR, flags));
  g_object_class_install_property(gobject_class, PROP_DETECTOR_MODEL,
      g_param_spec_string("detector-model", "Detector model", "haar: cascade file (default: opencv-data's "
                          "haarcascade_frontalface_default.xml); yunet: the face_detection_yunet ONNX file "
                          "(without one, detector=yunet stays on Haar)", DEFAULT_DETECTOR_MODEL, flags));
  g_object_class_install_property(gobject_class, PROP_MIN_FACE_SIZE,
      g_param_spec_int("min-face-size", "Minimum face size", "Smallest face to detect, in pixels", 8, 4096,
                       DEFAULT_MIN_FACE_SIZE, flags));
  g_object_class_install_property(gobject_class, PROP_MAX_FACES,
      g_param_spec_int("max-faces", "Maximum faces", "Classify at most this many faces a frame, the largest "
                       "first (0 = no limit)", 0, 1000, DEFAULT_MAX_FACES, flags));
  g_object_class_install_property(gobject_class, PROP_MARGIN,
      g_param_spec_double("margin", "Crop margin", "Grow each face box by this fraction of its size before "
                          "classifying (-1 = the margin the model was trained with, as fer-train records it; 0 where the model does "
                          "not say)", -1.0, 1.0, DEFAULT_MARGIN, flags));
  g_object_class_install_property(gobject_class, PROP_INTERVAL,
      g_param_spec_int("interval", "Interval", "Classify each face every Nth frame and reuse its result in "
                       "between, following faces by position", 1, 1000, DEFAULT_INTERVAL, flags));
  g_object_class_install_property(gobject_class, PROP_SMOOTHING,
      g_param_spec_double("smoothing", "Smoothing", "Temporal smoothing of each face's probabilities "
                          "(exponential moving average weight of the past; 0 = none)", 0.0, 0.99,
                          DEFAULT_SMOOTHING, flags));
  g_object_class_install_property(gobject_class, PROP_OVERLAY,
      g_param_spec_boolean("overlay", "Overlay", "Draw boxes and labels on the frame", DEFAULT_OVERLAY, flags));
  g_object_class_install_property(gobject_class, PROP_DEVICE,
      g_param_spec_string("device", "Device", "Inference device: cpu or cuda (cuda needs a CUDA LibTorch)",
                          DEFAULT_DEVICE, flags));
  g_object_class_install_property(gobject_class, PROP_THREADS,
      g_param_spec_int("threads", "Threads", "Inference threads for the process (0 = one per CPU)", 0, 256,
                       DEFAULT_THREADS, flags));
  g_object_class_install_property(gobject_class, PROP_UPDATES,
      g_param_spec_enum("updates", "Updates", "When to post \"feremotion\" element messages",
                        gst_feremotion_updates_get_type(), DEFAULT_UPDATES, flags));

  g_object_class_install_property(gobject_class, PROP_TTA,
      g_param_spec_enum("tta", "Test-time augmentation",
                        "Classify each face crop and its mirror image and average the probabilities, for twice the "
                        "classifier's work: for stills and smoothing=0 (on moving faces smoothing already averages; "
                        "fer-eval --tta flip measures what it gives a model). With async classification the batch "
                        "in flight finishes with the old setting",
                        gst_feremotion_tta_get_type(), DEFAULT_TTA, flags));
  g_object_class_install_property(gobject_class, PROP_PRECISION,
      g_param_spec_enum("precision", "Precision", "Arithmetic of the classifier (BatchNorm is folded in all) and of YuNet",
                        gst_feremotion_precision_get_type(), DEFAULT_PRECISION, flags));
  g_object_class_install_property(gobject_class, PROP_SCORE_THRESHOLD,
      g_param_spec_double("score-threshold", "Score threshold", "yunet: lowest face score kept (higher: fewer "
                          "false faces, more missed ones)", 0.0, 1.0, DEFAULT_SCORE_THRESHOLD, flags));
  g_object_class_install_property(gobject_class, PROP_NMS_THRESHOLD,
      g_param_spec_double("nms-threshold", "NMS threshold", "yunet: of two boxes overlapping more than this "
                          "(intersection over union), the weaker is dropped", 0.0, 1.0, DEFAULT_NMS_THRESHOLD, flags));
  g_object_class_install_property(gobject_class, PROP_DETECTION_SIZE,
      g_param_spec_int("detection-size", "Detection size", "Frames are scaled so their longest side is this before "
                       "detection (yunet: down or up; haar: down only; 0 = never; -1 = yunet 960, haar 640; smaller "
                       "is faster and misses small faces)", -1, 4096,
                       DEFAULT_DETECTION_SIZE, flags));
  g_object_class_install_property(gobject_class, PROP_ALIGN,
      g_param_spec_boolean("align", "Align", "Turn each face so its eyes are level and crop a square around it "
                           "before classifying (needs landmarks: detector=yunet). Unless set, it follows the model: on where "
                           "fer-train recorded that it trained on aligned faces", DEFAULT_ALIGN, flags));

  g_object_class_install_property(gobject_class, PROP_DETECT_INTERVAL,
      g_param_spec_int("detect-interval", "Detection interval", "Search the whole frame every Nth frame; in "
                       "between, tracked faces are found again near their last box (haar, yunet) or moved at their "
                       "velocity (none) (0 = auto: every 3rd frame with haar or from a live source, else every frame)", 0, 1000, DEFAULT_DETECT_INTERVAL, flags));
  g_object_class_install_property(gobject_class, PROP_ASYNC,
      g_param_spec_enum("async-classify", "Asynchronous classification", "Classify on a worker thread so the "
                        "stream never waits (results join their faces a few frames later)",
                        gst_feremotion_async_get_type(), DEFAULT_ASYNC, flags));

  g_object_class_install_property(gobject_class, PROP_RESULTS_FILE,
      g_param_spec_string("results-file", "Results file", "Write the results as JSON lines to this file, one "
                          "object a frame (frame, pts, time, faces with box, track_id, label, confidence, scores); "
                          "opened when the element starts", DEFAULT_RESULTS_FILE,
                          static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));

  g_object_class_install_property(gobject_class, PROP_ALLOW_TORCHSCRIPT,
      g_param_spec_boolean("allow-torchscript", "Allow TorchScript", "Load TorchScript model files, which can carry "
                           "code run by LibTorch's loader: only for files you trust (.pth state_dicts and fer-train "
                           "files are read safely either way)", DEFAULT_ALLOW_TORCHSCRIPT, flags));

  gst_element_class_set_static_metadata(element_class, "Facial emotion recognition", "Filter/Analyzer/Video",
      "Detects faces and classifies their emotion with a ResNet (LibTorch); results as ROI metas and bus messages",
      "feremotion developers");
  GstCaps* caps = gst_caps_from_string(GST_VIDEO_CAPS_MAKE(FORMATS));
  gst_element_class_add_pad_template(element_class, gst_pad_template_new("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps));
  gst_element_class_add_pad_template(element_class, gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
  gst_caps_unref(caps);

  trans_class->start = GST_DEBUG_FUNCPTR(gst_feremotion_start);
  trans_class->stop = GST_DEBUG_FUNCPTR(gst_feremotion_stop);
  filter_class->set_info = GST_DEBUG_FUNCPTR(gst_feremotion_set_info);
  filter_class->transform_frame_ip = GST_DEBUG_FUNCPTR(gst_feremotion_transform_frame_ip);

  gst_type_mark_as_plugin_api(gst_feremotion_detector_get_type(), static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(gst_feremotion_updates_get_type(), static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(gst_feremotion_precision_get_type(), static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(gst_feremotion_tta_get_type(), static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(gst_feremotion_async_get_type(), static_cast<GstPluginAPIFlags>(0));
  GST_DEBUG_CATEGORY_INIT(gst_feremotion_debug, "feremotion", 0, "facial emotion recognition");
}
