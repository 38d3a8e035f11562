/* feremotionpublish: publishes the emotion results riding on each buffer (the `face` ROI metas with
 * their `emotion` parameters) as JSON, one message a frame, to a file or an MQTT broker; buffers
 * pass through untouched. */
#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_FEREMOTION_PUBLISH (gst_feremotion_publish_get_type())
G_DECLARE_FINAL_TYPE(GstFerEmotionPublish, gst_feremotion_publish, GST, FEREMOTION_PUBLISH, GstBaseTransform)

typedef enum {
  GST_FEREMOTION_PUBLISH_FILE,
  GST_FEREMOTION_PUBLISH_MQTT,
} GstFerEmotionPublishMethod;

GType gst_feremotion_publish_method_get_type(void);

GST_ELEMENT_REGISTER_DECLARE(feremotionpublish);

G_END_DECLS
