/* Registers the plugin's elements, and nothing else. */
#include "config.h"
#include "gstferemotion.h"
#include "publish/gstferemotionpublish.h"

static gboolean plugin_init(GstPlugin* plugin) {
  return GST_ELEMENT_REGISTER(feremotion, plugin) && GST_ELEMENT_REGISTER(feremotionpublish, plugin);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, feremotion,
                  "Facial emotion recognition with LibTorch and OpenCV", plugin_init, FER_VERSION, GST_LICENSE,
                  GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
