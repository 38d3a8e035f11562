/* Webcam with display, as an application: the live feed with boxes and emotions in a window;
 * q in the window (or q and Enter in the terminal) quits, as the original project's loop did,
 * and so does Ctrl-C. Each face's emotion is printed when it changes.
 *
 *   cc webcam_app.c $(pkg-config --cflags --libs gstreamer-video-1.0 gio-unix-2.0) -o webcam_app
 *   ./webcam_app model.pth                        (v4l2src, autovideosink)
 *   ./webcam_app model.pth "rtspsrc location=rtsp://cam/stream ! decodebin" autovideosink
 */
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/video/navigation.h>

typedef struct {
  GMainLoop *loop;
  GstElement *pipeline;
  GHashTable *labels; /* track id -> last label printed */
  gboolean quitting;
} App;

/* End the stream cleanly (EOS lets sinks finish), then leave the loop on EOS. */
static void quit(App *app, const char *why) {
  if (app->quitting) return;
  app->quitting = TRUE;
  g_print("quit: %s\n", why);
  gst_element_send_event(app->pipeline, gst_event_new_eos());
}

static gboolean on_sigint(gpointer data) {
  quit(data, "Ctrl-C");
  return G_SOURCE_CONTINUE;
}

static gboolean on_stdin(GIOChannel *channel, GIOCondition condition, gpointer data) {
  gchar *line = NULL;
  (void)condition;
  if (g_io_channel_read_line(channel, &line, NULL, NULL, NULL) != G_IO_STATUS_NORMAL) return G_SOURCE_REMOVE;
  if (line[0] == 'q') quit(data, "q");
  g_free(line);
  return G_SOURCE_CONTINUE;
}

static void print_changes(App *app, const GstStructure *s) {
  const GValue *faces = gst_structure_get_value(s, "faces");
  for (guint i = 0; faces && i < gst_value_list_get_size(faces); ++i) {
    const GstStructure *face = gst_value_get_structure(gst_value_list_get_value(faces, i));
    gint track = 0;
    const gchar *label = gst_structure_get_string(face, "label");
    gst_structure_get_int(face, "track_id", &track);
    if (g_strcmp0(g_hash_table_lookup(app->labels, GINT_TO_POINTER(track)), label) != 0) {
      g_print("face %d: %s\n", track, label);
      g_hash_table_insert(app->labels, GINT_TO_POINTER(track), g_strdup(label));
    }
  }
}

static gboolean on_message(GstBus *bus, GstMessage *msg, gpointer data) {
  App *app = data;
  (void)bus;
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ELEMENT:
      if (gst_message_has_name(msg, "feremotion")) {
        print_changes(app, gst_message_get_structure(msg));
      } else if (gst_navigation_message_get_type(msg) == GST_NAVIGATION_MESSAGE_EVENT) {
        /* A key pressed in the video window. */
        GstEvent *event = NULL;
        const gchar *key = NULL;
        if (gst_navigation_message_parse_event(msg, &event)) {
          if (gst_navigation_event_get_type(event) == GST_NAVIGATION_EVENT_KEY_PRESS &&
              gst_navigation_event_parse_key_event(event, &key) && g_strcmp0(key, "q") == 0)
            quit(app, "q");
          gst_event_unref(event);
        }
      }
      break;
    case GST_MESSAGE_ERROR: {
      GError *error = NULL;
      gchar *debug = NULL;
      gst_message_parse_error(msg, &error, &debug);
      g_printerr("error from %s: %s\n", GST_OBJECT_NAME(msg->src), error->message);
      g_clear_error(&error);
      g_free(debug);
      g_main_loop_quit(app->loop);
      break;
    }
    case GST_MESSAGE_EOS: g_main_loop_quit(app->loop); break;
    default: break;
  }
  return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv) {
  App app = {0};
  GError *error = NULL;
  GstBus *bus;
  GIOChannel *in;
  gchar *description;

  gst_init(&argc, &argv);
  if (argc < 2 || argc > 4) {
    g_printerr("usage: %s MODEL.pth [SOURCE] [SINK]\n", argv[0]);
    return 2;
  }
  description = g_strdup_printf("%s ! feremotion model=\"%s\" updates=on_change ! videoconvert ! %s",
                                argc > 2 ? argv[2] : "v4l2src", argv[1], argc > 3 ? argv[3] : "autovideosink");
  app.pipeline = gst_parse_launch(description, &error);
  g_free(description);
  if (!app.pipeline) {
    g_printerr("cannot build the pipeline: %s\n", error->message);
    g_clear_error(&error);
    return 1;
  }
  app.loop = g_main_loop_new(NULL, FALSE);
  app.labels = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  bus = gst_element_get_bus(app.pipeline);
  gst_bus_add_watch(bus, on_message, &app);
  g_unix_signal_add(SIGINT, on_sigint, &app);
  in = g_io_channel_unix_new(0);
  g_io_add_watch(in, G_IO_IN | G_IO_HUP, on_stdin, &app);

  if (gst_element_set_state(app.pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_printerr("the pipeline did not start (is a camera there? see the error above)\n");
  } else {
    g_print("running: press q in the window (or q Enter here) to quit\n");
    g_main_loop_run(app.loop);
  }
  gst_element_set_state(app.pipeline, GST_STATE_NULL);
  g_io_channel_unref(in);
  gst_bus_remove_watch(bus);
  gst_object_unref(bus);
  gst_object_unref(app.pipeline);
  g_hash_table_destroy(app.labels);
  g_main_loop_unref(app.loop);
  return app.quitting ? 0 : 1;
}
