/* Registers the plugin's elements, and nothing else. */
#include "gstferemotion.h"

#ifndef PACKAGE
#define PACKAGE "feremotion"
#endif

static gboolean plugin_init(GstPlugin* plugin) { return GST_ELEMENT_REGISTER(feremotion, plugin); }

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, feremotion,
                  "Facial emotion recognition with LibTorch and OpenCV", plugin_init, FER_VERSION, "MIT",
                  "feremotion", "https://example.invalid/feremotion")
