/* feremotionpublish: the GObject side. Settings are read under the object lock and take effect at
 * the next start; the streaming thread only turns metas into a line and hands it on (a file write,
 * or MqttChannel::push, which never blocks). */
#include "gstferemotionpublish.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include <gst/video/gstvideometa.h>

#include "../results_json.hpp"
#include "mqtt_channel.hpp"

GST_DEBUG_CATEGORY_STATIC(gst_feremotion_publish_debug);
#define GST_CAT_DEFAULT gst_feremotion_publish_debug

enum {
  PROP_0,
  PROP_METHOD,
  PROP_FILE_PATH,
  PROP_HOST,
  PROP_PORT,
  PROP_TOPIC,
  PROP_CLIENT_ID,
  PROP_QOS,
  PROP_KEEPALIVE,
  PROP_USERNAME,
  PROP_PASSWORD,
  PROP_TLS_CA_FILE,
  PROP_TLS_CERT_FILE,
  PROP_TLS_KEY_FILE,
  PROP_STREAM_ID,
  PROP_MAX_QUEUE,
  PROP_DRAIN_TIMEOUT,
  PROP_PUBLISHED,
  PROP_DROPPED,
  PROP_QUEUED,
  PROP_CONNECTED,
};

constexpr int kDefaultPort = 1883;
constexpr guint kDefaultQos = 1, kDefaultKeepalive = 30, kDefaultMaxQueue = 1000, kDefaultDrainTimeout = 3000;

struct PublishState {
  // Settings (object lock).
  GstFerEmotionPublishMethod method = GST_FEREMOTION_PUBLISH_FILE;
  std::string file_path, stream_id;
  feremotion::MqttSettings mqtt;
  guint drain_timeout_ms = kDefaultDrainTimeout;
  // Running: set and cleared by start and stop under the object lock (get_property reads them), used
  // by the streaming thread in between.
  std::unique_ptr<feremotion::MqttChannel> channel;
  feremotion::JsonLinesWriter file;
  std::string running_stream_id;
  size_t running_max_queue = 0;
  gint64 frame = 0;
  bool said_write_failed = false;
  std::atomic<uint64_t> file_lines{0};
  std::chrono::steady_clock::time_point last_drop_warning{};
  uint64_t dropped_at_warning = 0;
  feremotion::ChannelStats last;  // what the properties report after stop
};

struct _GstFerEmotionPublish {
  GstBaseTransform parent;
  PublishState* s;
};

G_DEFINE_TYPE(GstFerEmotionPublish, gst_feremotion_publish, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE(feremotionpublish, "feremotionpublish", GST_RANK_NONE, GST_TYPE_FEREMOTION_PUBLISH);

GType gst_feremotion_publish_method_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_FEREMOTION_PUBLISH_FILE, "JSON lines into file-path", "file"},
      {GST_FEREMOTION_PUBLISH_MQTT, "MQTT messages to host:port on topic (libmosquitto)", "mqtt"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type)) g_once_init_leave(&type, g_enum_register_static("GstFerEmotionPublishMethod", values));
  return type;
}

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

// With the object lock held (start and stop change what it reads).
static feremotion::ChannelStats current_stats(GstFerEmotionPublish* self) {
  PublishState& s = *self->s;
  if (s.channel) return s.channel->stats();
  if (s.file.is_open()) return {s.file_lines.load(), 0, 0, true};
  return s.last;
}

static void channel_event(GstFerEmotionPublish* self, feremotion::MqttChannel::Event e, const std::string& detail) {
  using Event = feremotion::MqttChannel::Event;
  if (e == Event::Connected) {
    GST_INFO_OBJECT(self, "connected to %s", detail.c_str());
    GST_ELEMENT_INFO(self, RESOURCE, OPEN_WRITE, ("Connected to the MQTT broker at %s", detail.c_str()), (nullptr));
  } else if (e == Event::Disconnected) {
    GST_ELEMENT_WARNING(self, RESOURCE, WRITE, ("Lost the MQTT broker (%s): messages wait in the queue until it is back",
                        detail.c_str()), (nullptr));
  } else {
    GST_ELEMENT_WARNING(self, RESOURCE, OPEN_WRITE, ("%s", detail.c_str()), (nullptr));
  }
}

static void post_statistics(GstFerEmotionPublish* self) {
  GST_OBJECT_LOCK(self);
  const feremotion::ChannelStats st = current_stats(self);
  GST_OBJECT_UNLOCK(self);
  GstStructure* s = gst_structure_new("feremotionpublish", "stream-id", G_TYPE_STRING, self->s->running_stream_id.c_str(),
                                      "published", G_TYPE_UINT64, st.published, "dropped", G_TYPE_UINT64, st.dropped,
                                      "undelivered", G_TYPE_UINT64, st.queued, nullptr);
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
  if (st.dropped || st.queued)
    GST_ELEMENT_WARNING(self, RESOURCE, WRITE,
                        ("%" G_GUINT64_FORMAT " messages were dropped (the queue of max-queue=%zu was full) and %" G_GUINT64_FORMAT
                         " were not delivered; %" G_GUINT64_FORMAT " were published",
                         st.dropped, self->s->running_max_queue, st.queued, st.published),
                        ("raise max-queue to ride out longer broker outages"));
}

static gboolean gst_feremotion_publish_start(GstBaseTransform* trans) {
  auto* self = GST_FEREMOTION_PUBLISH(trans);
  PublishState& s = *self->s;
  GST_OBJECT_LOCK(self);
  const auto method = s.method;
  const std::string path = s.file_path;
  const feremotion::MqttSettings mqtt = s.mqtt;
  s.running_stream_id = s.stream_id;
  s.running_max_queue = s.mqtt.max_queue;
  GST_OBJECT_UNLOCK(self);
  if (s.running_stream_id.empty()) {
    char host[256] = "host";
    gethostname(host, sizeof host - 1);
    gchar* name = gst_object_get_name(GST_OBJECT(self));
    s.running_stream_id = std::string(host) + "/" + name;
    g_free(name);
  }
  s.frame = 0;
  s.said_write_failed = false;
  s.file_lines = 0;
  s.dropped_at_warning = 0;
  s.last = {};
  try {
    if (method == GST_FEREMOTION_PUBLISH_FILE) {
      if (path.empty()) {
        GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("No file-path set for method=file"),
                          ("set file-path, or method=mqtt with host and topic"));
        return FALSE;
      }
      GST_OBJECT_LOCK(self);
      try {
        s.file.open(path, "file-path");
      } catch (...) {
        GST_OBJECT_UNLOCK(self);
        throw;
      }
      GST_OBJECT_UNLOCK(self);
    } else {
      auto channel = std::make_unique<feremotion::MqttChannel>(
          mqtt, [self](feremotion::MqttChannel::Event e, const std::string& d) { channel_event(self, e, d); });
      GST_OBJECT_LOCK(self);
      s.channel = std::move(channel);
      GST_OBJECT_UNLOCK(self);
    }
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("%s", e.what()), (nullptr));
    return FALSE;
  }
  GST_INFO_OBJECT(self, "publishing stream '%s' by %s", s.running_stream_id.c_str(),
                  method == GST_FEREMOTION_PUBLISH_FILE ? "file" : "mqtt");
  return TRUE;
}

static void drain(GstFerEmotionPublish* self) {
  PublishState& s = *self->s;
  if (!s.channel) return;
  GST_OBJECT_LOCK(self);
  const guint ms = s.drain_timeout_ms;
  GST_OBJECT_UNLOCK(self);
  if (!s.channel->drain(std::chrono::milliseconds(ms)))
    GST_WARNING_OBJECT(self, "%" G_GUINT64_FORMAT " messages still queued after drain-timeout=%u ms", s.channel->stats().queued, ms);
}

static gboolean gst_feremotion_publish_stop(GstBaseTransform* trans) {
  auto* self = GST_FEREMOTION_PUBLISH(trans);
  PublishState& s = *self->s;
  drain(self);
  std::unique_ptr<feremotion::MqttChannel> channel;
  GST_OBJECT_LOCK(self);
  s.last = current_stats(self);
  s.last.connected = false;
  channel = std::move(s.channel);
  s.file.close();
  GST_OBJECT_UNLOCK(self);
  channel.reset();  // joins its thread: outside the lock, which its events may want
  return TRUE;
}

static gboolean gst_feremotion_publish_sink_event(GstBaseTransform* trans, GstEvent* event) {
  auto* self = GST_FEREMOTION_PUBLISH(trans);
  // At the end of the stream what is queued goes out first (bounded by drain-timeout), so EOS at the
  // application means the results are with the broker.
  if (GST_EVENT_TYPE(event) == GST_EVENT_EOS) {
    drain(self);
    post_statistics(self);
  }
  return GST_BASE_TRANSFORM_CLASS(gst_feremotion_publish_parent_class)->sink_event(trans, event);
}

static GstFlowReturn gst_feremotion_publish_transform_ip(GstBaseTransform* trans, GstBuffer* buffer) {
  auto* self = GST_FEREMOTION_PUBLISH(trans);
  PublishState& s = *self->s;
  std::vector<feremotion::FaceRecord> faces;
  gpointer state = nullptr;
  while (GstMeta* m = gst_buffer_iterate_meta_filtered(buffer, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))
    if (auto face = feremotion::face_record(*reinterpret_cast<GstVideoRegionOfInterestMeta*>(m))) faces.push_back(std::move(*face));
  const std::string line = feremotion::frame_json(s.frame++, GST_BUFFER_PTS(buffer), faces, &s.running_stream_id);

  if (s.file.is_open()) {
    if (s.file.write_line(line)) {
      ++s.file_lines;
    } else if (!s.said_write_failed) {
      s.said_write_failed = true;  // the video goes on: it matters more than the side file
      GST_ELEMENT_WARNING(self, RESOURCE, WRITE, ("Could not write results to '%s' (disk full?)", s.file.path().c_str()),
                          ("results from frame %" G_GINT64_FORMAT " on are missing", s.frame - 1));
    }
  } else if (s.channel && !s.channel->push(line)) {
    // At most one warning a second, counting what was dropped since the last one.
    const auto now = std::chrono::steady_clock::now();
    if (now - s.last_drop_warning >= std::chrono::seconds(1)) {
      const uint64_t dropped = s.channel->stats().dropped;
      GST_ELEMENT_WARNING(self, RESOURCE, WRITE,
                          ("The MQTT queue is full (max-queue=%zu): %" G_GUINT64_FORMAT " messages dropped (%" G_GUINT64_FORMAT
                           " since the last warning)",
                           s.running_max_queue, dropped, dropped - s.dropped_at_warning),
                          ("the broker is unreachable or slower than the frames; raise max-queue to wait longer"));
      s.last_drop_warning = now;
      s.dropped_at_warning = dropped;
    }
  }
  return GST_FLOW_OK;
}

static std::string* string_setting(PublishState& s, guint id) {
  switch (id) {
    case PROP_FILE_PATH: return &s.file_path;
    case PROP_HOST: return &s.mqtt.host;
    case PROP_TOPIC: return &s.mqtt.topic;
    case PROP_CLIENT_ID: return &s.mqtt.client_id;
    case PROP_USERNAME: return &s.mqtt.username;
    case PROP_PASSWORD: return &s.mqtt.password;
    case PROP_TLS_CA_FILE: return &s.mqtt.tls_ca_file;
    case PROP_TLS_CERT_FILE: return &s.mqtt.tls_cert_file;
    case PROP_TLS_KEY_FILE: return &s.mqtt.tls_key_file;
    case PROP_STREAM_ID: return &s.stream_id;
    default: return nullptr;
  }
}

static void gst_feremotion_publish_set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  auto* self = GST_FEREMOTION_PUBLISH(object);
  PublishState& s = *self->s;
  GST_OBJECT_LOCK(self);
  if (std::string* str = string_setting(s, id)) {
    const char* v = g_value_get_string(value);
    *str = v ? v : "";
  } else {
    switch (id) {
      case PROP_METHOD: s.method = static_cast<GstFerEmotionPublishMethod>(g_value_get_enum(value)); break;
      case PROP_PORT: s.mqtt.port = g_value_get_int(value); break;
      case PROP_QOS: s.mqtt.qos = static_cast<int>(g_value_get_uint(value)); break;
      case PROP_KEEPALIVE: s.mqtt.keepalive_s = static_cast<int>(g_value_get_uint(value)); break;
      case PROP_MAX_QUEUE: s.mqtt.max_queue = g_value_get_uint(value); break;
      case PROP_DRAIN_TIMEOUT: s.drain_timeout_ms = g_value_get_uint(value); break;
      default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_feremotion_publish_get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  auto* self = GST_FEREMOTION_PUBLISH(object);
  PublishState& s = *self->s;
  if (id >= PROP_PUBLISHED) {
    GST_OBJECT_LOCK(self);  // the running figures come from the channel, which has its own lock
    const feremotion::ChannelStats st = current_stats(self);
    GST_OBJECT_UNLOCK(self);
    switch (id) {
      case PROP_PUBLISHED: g_value_set_uint64(value, st.published); break;
      case PROP_DROPPED: g_value_set_uint64(value, st.dropped); break;
      case PROP_QUEUED: g_value_set_uint64(value, st.queued); break;
      case PROP_CONNECTED: g_value_set_boolean(value, st.connected); break;
      default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
    return;
  }
  GST_OBJECT_LOCK(self);
  if (id == PROP_PASSWORD) {
    g_value_set_string(value, nullptr);
  } else if (std::string* str = string_setting(s, id)) {
    g_value_set_string(value, str->empty() ? nullptr : str->c_str());
  } else {
    switch (id) {
      case PROP_METHOD: g_value_set_enum(value, s.method); break;
      case PROP_PORT: g_value_set_int(value, s.mqtt.port); break;
      case PROP_QOS: g_value_set_uint(value, static_cast<guint>(s.mqtt.qos)); break;
      case PROP_KEEPALIVE: g_value_set_uint(value, static_cast<guint>(s.mqtt.keepalive_s)); break;
      case PROP_MAX_QUEUE: g_value_set_uint(value, static_cast<guint>(s.mqtt.max_queue)); break;
      case PROP_DRAIN_TIMEOUT: g_value_set_uint(value, s.drain_timeout_ms); break;
      default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_feremotion_publish_finalize(GObject* object) {
  delete GST_FEREMOTION_PUBLISH(object)->s;
  G_OBJECT_CLASS(gst_feremotion_publish_parent_class)->finalize(object);
}

static void gst_feremotion_publish_init(GstFerEmotionPublish* self) {
  self->s = new PublishState();
  gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(self), TRUE);
}

static void gst_feremotion_publish_class_init(GstFerEmotionPublishClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass* trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  gobject_class->set_property = gst_feremotion_publish_set_property;
  gobject_class->get_property = gst_feremotion_publish_get_property;
  gobject_class->finalize = gst_feremotion_publish_finalize;

  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  const auto wo = static_cast<GParamFlags>(G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(gobject_class, PROP_METHOD,
      g_param_spec_enum("method", "Method", "Where the results go: a JSON-lines file or an MQTT broker",
                        gst_feremotion_publish_method_get_type(), GST_FEREMOTION_PUBLISH_FILE, rw));
  g_object_class_install_property(gobject_class, PROP_FILE_PATH,
      g_param_spec_string("file-path", "File path", "method=file: the JSON-lines file (truncated at start)", nullptr, rw));
  g_object_class_install_property(gobject_class, PROP_HOST,
      g_param_spec_string("host", "Host", "method=mqtt: the broker's host name or address", "localhost", rw));
  g_object_class_install_property(gobject_class, PROP_PORT,
      g_param_spec_int("port", "Port", "method=mqtt: the broker's port (8883 is usual with TLS)", 1, 65535, kDefaultPort, rw));
  g_object_class_install_property(gobject_class, PROP_TOPIC,
      g_param_spec_string("topic", "Topic", "method=mqtt: the topic every message goes to (no wildcards)", "feremotion", rw));
  g_object_class_install_property(gobject_class, PROP_CLIENT_ID,
      g_param_spec_string("client-id", "Client id", "method=mqtt: the MQTT client id (NULL: feremotion-<host>-<pid>-<n>)", nullptr, rw));
  g_object_class_install_property(gobject_class, PROP_QOS,
      g_param_spec_uint("qos", "QoS", "method=mqtt: 0 at most once (fastest), 1 each message acknowledged, resent after a reconnect",
                        0, 1, kDefaultQos, rw));
  g_object_class_install_property(gobject_class, PROP_KEEPALIVE,
      g_param_spec_uint("keepalive", "Keepalive", "method=mqtt: seconds between pings on an idle connection", 5, 3600, kDefaultKeepalive, rw));
  g_object_class_install_property(gobject_class, PROP_USERNAME,
      g_param_spec_string("username", "Username", "method=mqtt: user name for the broker (NULL: anonymous)", nullptr, rw));
  g_object_class_install_property(gobject_class, PROP_PASSWORD,
      g_param_spec_string("password", "Password", "method=mqtt: password for username (write only)", nullptr, wo));
  g_object_class_install_property(gobject_class, PROP_TLS_CA_FILE,
      g_param_spec_string("tls-ca-file", "TLS CA file", "method=mqtt: PEM CA certificate of the broker; set, the connection uses TLS",
                          nullptr, rw));
  g_object_class_install_property(gobject_class, PROP_TLS_CERT_FILE,
      g_param_spec_string("tls-cert-file", "TLS certificate", "method=mqtt: PEM client certificate (with tls-key-file)", nullptr, rw));
  g_object_class_install_property(gobject_class, PROP_TLS_KEY_FILE,
      g_param_spec_string("tls-key-file", "TLS key", "method=mqtt: PEM client key (with tls-cert-file)", nullptr, rw));
  g_object_class_install_property(gobject_class, PROP_STREAM_ID,
      g_param_spec_string("stream-id", "Stream id", "Names this stream in every message (\"stream\"); NULL: <host name>/<element name>",
                          nullptr, rw));
  g_object_class_install_property(gobject_class, PROP_MAX_QUEUE,
      g_param_spec_uint("max-queue", "Queue size", "method=mqtt: messages kept while the broker is away (at 30 fps, 1000 is 33 s); "
                        "beyond it new ones are dropped, counted and warned about", 1, 10000000, kDefaultMaxQueue, rw));
  g_object_class_install_property(gobject_class, PROP_DRAIN_TIMEOUT,
      g_param_spec_uint("drain-timeout", "Drain timeout", "method=mqtt: at EOS and stop, milliseconds to wait for the queue to go out",
                        0, 600000, kDefaultDrainTimeout, rw));
  g_object_class_install_property(gobject_class, PROP_PUBLISHED,
      g_param_spec_uint64("published", "Published", "Messages delivered (acknowledged with qos=1; lines with method=file)",
                          0, G_MAXUINT64, 0, ro));
  g_object_class_install_property(gobject_class, PROP_DROPPED,
      g_param_spec_uint64("dropped", "Dropped", "Messages dropped because the queue was full", 0, G_MAXUINT64, 0, ro));
  g_object_class_install_property(gobject_class, PROP_QUEUED,
      g_param_spec_uint64("queued", "Queued", "Messages waiting for the broker (after stop: never delivered)", 0, G_MAXUINT64, 0, ro));
  g_object_class_install_property(gobject_class, PROP_CONNECTED,
      g_param_spec_boolean("connected", "Connected", "Whether the broker is connected now", FALSE, ro));

  gst_element_class_set_static_metadata(element_class, "Emotion results publisher", "Filter/Metadata",
      "Publishes the face emotion results on each buffer as JSON, one message a frame, to a file or an MQTT broker",
      "feremotion developers");
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  trans_class->start = GST_DEBUG_FUNCPTR(gst_feremotion_publish_start);
  trans_class->stop = GST_DEBUG_FUNCPTR(gst_feremotion_publish_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR(gst_feremotion_publish_sink_event);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR(gst_feremotion_publish_transform_ip);
  trans_class->transform_ip_on_passthrough = TRUE;
  gst_type_mark_as_plugin_api(gst_feremotion_publish_method_get_type(), static_cast<GstPluginAPIFlags>(0));
  GST_DEBUG_CATEGORY_INIT(gst_feremotion_publish_debug, "feremotionpublish", 0, "feremotion results publisher");
}
