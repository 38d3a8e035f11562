/* An application that embeds feremotion in its own pipeline and reads the results from the
 * buffers: a pad probe after the element walks each frame's GstVideoRegionOfInterestMeta.
 *
 *   cc embed_probe.c $(pkg-config --cflags --libs gstreamer-video-1.0) -o embed_probe
 *   ./embed_probe video.avi model.pth          (any file decodebin can play)
 *
 * Prints one line a face: frame time, box, label and confidence. Needs the feremotion plugin on
 * GST_PLUGIN_PATH (or installed). */
#include <gst/gst.h>
#include <gst/video/video.h>

static GstPadProbeReturn on_buffer(GstPad *pad, GstPadProbeInfo *info, gpointer user_data) {
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  gpointer state = NULL;
  GstMeta *meta;
  guint *faces_seen = user_data;
  (void)pad;
  while ((meta = gst_buffer_iterate_meta_filtered(buffer, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *)meta;
    GstStructure *emotion = gst_video_region_of_interest_meta_get_param(roi, "emotion");
    const gchar *label = emotion ? gst_structure_get_string(emotion, "label") : NULL;
    gdouble confidence = 0;
    if (emotion) gst_structure_get_double(emotion, "confidence", &confidence);
    g_print("%" GST_TIME_FORMAT " face %d at %u,%u %ux%u: %s %.2f\n", GST_TIME_ARGS(GST_BUFFER_PTS(buffer)), roi->id,
            roi->x, roi->y, roi->w, roi->h, label ? label : "?", confidence);
    (*faces_seen)++;
  }
  return GST_PAD_PROBE_OK;
}

int main(int argc, char **argv) {
  GstElement *pipeline, *fer;
  GstPad *src;
  GstBus *bus;
  GstMessage *msg;
  GError *error = NULL;
  guint faces_seen = 0;
  int status = 0;

  gst_init(&argc, &argv);
  if (argc != 3) {
    g_printerr("usage: %s VIDEO MODEL.pth\n", argv[0]);
    return 2;
  }
  /* Our own pipeline; the element is found by name to attach the probe. */
  pipeline = gst_parse_launch("filesrc name=src ! decodebin ! videoconvert ! feremotion name=fer overlay=false ! fakesink",
                              &error);
  if (!pipeline) {
    g_printerr("cannot build the pipeline: %s (is the feremotion plugin on GST_PLUGIN_PATH?)\n", error->message);
    g_clear_error(&error);
    return 1;
  }
  {
    GstElement *filesrc = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    g_object_set(filesrc, "location", argv[1], NULL);
    gst_object_unref(filesrc);
  }
  fer = gst_bin_get_by_name(GST_BIN(pipeline), "fer");
  g_object_set(fer, "model", argv[2], NULL);
  src = gst_element_get_static_pad(fer, "src");
  gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, &faces_seen, NULL);
  gst_object_unref(src);
  gst_object_unref(fer);

  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  bus = gst_element_get_bus(pipeline);
  msg = gst_bus_timed_pop_filtered(bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    gchar *debug = NULL;
    gst_message_parse_error(msg, &error, &debug);
    g_printerr("error from %s: %s\n", GST_OBJECT_NAME(msg->src), error->message);
    g_clear_error(&error);
    g_free(debug);
    status = 1;
  }
  gst_message_unref(msg);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  g_print("%u faces\n", faces_seen);
  return status;
}
