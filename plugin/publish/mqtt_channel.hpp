// Messages to an MQTT broker through libmosquitto, never blocking the caller: push() puts a message in
// a bounded queue and returns; one thread of its own connects, reconnects, and sends the queue in
// order. With QoS 1 a message leaves the queue only once the broker has acknowledged it, and one
// is in flight at a time, so a broker that goes away and comes back gets each message once, in order.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

struct mosquitto;

namespace feremotion {

struct MqttSettings {
  std::string host = "localhost";
  int port = 1883;
  std::string topic = "feremotion";
  std::string client_id;  // "" = generated
  int qos = 1;
  int keepalive_s = 30;
  std::string username, password;
  std::string tls_ca_file, tls_cert_file, tls_key_file;  // TLS where tls_ca_file is set
  size_t max_queue = 1000;
};

struct ChannelStats {
  uint64_t published = 0;  // acknowledged (QoS 1) or written to the socket (QoS 0)
  uint64_t dropped = 0;    // refused because the queue was full
  uint64_t queued = 0;     // waiting, including the one in flight
  bool connected = false;
};

class MqttChannel {
 public:
  // What the channel has to say (connection lost, restored): the element turns these into bus messages.
  enum class Event { Connected, ConnectFailed, Disconnected };
  using Listener = std::function<void(Event, const std::string& detail)>;

  // Throws std::invalid_argument naming the setting where it can never work: an empty host, a topic
  // MQTT does not allow to publish to, TLS files that are missing or unreadable.
  MqttChannel(MqttSettings settings, Listener listener);
  ~MqttChannel();  // stops at once; what is still queued is lost (drain() first)
  MqttChannel(const MqttChannel&) = delete;
  MqttChannel& operator=(const MqttChannel&) = delete;

  // Never blocks. False where the queue is full: the message is dropped and counted.
  bool push(std::string message);
  // Waits until the queue is empty or the timeout passes; true when empty.
  bool drain(std::chrono::milliseconds timeout);
  ChannelStats stats() const;

 private:
  void run();
  void wake();
  void send_next();
  static void on_connect(mosquitto*, void* self, int rc);
  static void on_disconnect(mosquitto*, void* self, int rc);
  static void on_publish(mosquitto*, void* self, int mid);

  const MqttSettings settings_;
  Listener listener_;
  mosquitto* mosq_ = nullptr;
  int wake_fd_ = -1;  // eventfd: push() and the destructor wake the network thread

  mutable std::mutex mu_;
  std::condition_variable drained_;
  std::deque<std::string> queue_;
  bool in_flight_ = false;  // the queue's front was handed to libmosquitto and not acknowledged
  int in_flight_mid_ = 0;
  bool connected_ = false;
  bool stop_ = false;
  uint64_t published_ = 0, dropped_ = 0;
  std::thread thread_;
};

}  // namespace feremotion
