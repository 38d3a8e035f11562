#include "mqtt_channel.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <stdexcept>

#include <mosquitto.h>

namespace feremotion {
namespace {

// libmosquitto's library-wide setup, once for every channel of the process.
void init_library() {
  static const int once = [] { return mosquitto_lib_init(); }();
  (void)once;
}

void require_readable(const std::string& path, const char* property) {
  if (path.empty()) return;
  if (access(path.c_str(), R_OK) != 0)
    throw std::invalid_argument(std::string(property) + " '" + path + "' cannot be read (missing, or no permission): give a readable PEM file");
}

std::string generated_client_id() {
  static std::atomic<int> n{0};
  char host[64] = "host";
  gethostname(host, sizeof host - 1);
  return "feremotion-" + std::string(host) + "-" + std::to_string(getpid()) + "-" + std::to_string(n++);
}

std::string reason(int rc) {
  return rc == MOSQ_ERR_ERRNO ? std::string(std::strerror(errno)) : std::string(mosquitto_strerror(rc));
}

}  // namespace

MqttChannel::MqttChannel(MqttSettings settings, Listener listener) : settings_(std::move(settings)), listener_(std::move(listener)) {
  if (settings_.host.empty()) throw std::invalid_argument("host is empty: name the MQTT broker's host (host=...)");
  if (settings_.topic.empty() || mosquitto_pub_topic_check(settings_.topic.c_str()) != MOSQ_ERR_SUCCESS ||
      mosquitto_validate_utf8(settings_.topic.c_str(), static_cast<int>(settings_.topic.size())) != MOSQ_ERR_SUCCESS)
    throw std::invalid_argument("topic '" + settings_.topic +
                                "' cannot be published to: give a non-empty topic without the wildcards '+' and '#'");
  if (settings_.qos < 0 || settings_.qos > 1) throw std::invalid_argument("qos must be 0 or 1");
  if (settings_.max_queue == 0) throw std::invalid_argument("max-queue must be at least 1");
  require_readable(settings_.tls_ca_file, "tls-ca-file");
  require_readable(settings_.tls_cert_file, "tls-cert-file");
  require_readable(settings_.tls_key_file, "tls-key-file");
  if (settings_.tls_cert_file.empty() != settings_.tls_key_file.empty())
    throw std::invalid_argument("tls-cert-file and tls-key-file go together: set both for a client certificate, or neither");
  if (!settings_.tls_cert_file.empty() && settings_.tls_ca_file.empty())
    throw std::invalid_argument("a client certificate needs TLS: set tls-ca-file to the broker's CA certificate");

  init_library();
  const std::string id = settings_.client_id.empty() ? generated_client_id() : settings_.client_id;
  mosq_ = mosquitto_new(id.c_str(), true, this);
  if (!mosq_) throw std::runtime_error("cannot create an MQTT client: " + std::string(std::strerror(errno)));
  mosquitto_connect_callback_set(mosq_, &MqttChannel::on_connect);
  mosquitto_disconnect_callback_set(mosq_, &MqttChannel::on_disconnect);
  mosquitto_publish_callback_set(mosq_, &MqttChannel::on_publish);
  auto fail = [&](const std::string& what) {
    mosquitto_destroy(mosq_);
    throw std::invalid_argument(what);
  };
  if (!settings_.username.empty() &&
      mosquitto_username_pw_set(mosq_, settings_.username.c_str(),
                                settings_.password.empty() ? nullptr : settings_.password.c_str()) != MOSQ_ERR_SUCCESS)
    fail("username/password refused by libmosquitto (they must be UTF-8)");
  if (!settings_.tls_ca_file.empty()) {
    const int rc = mosquitto_tls_set(mosq_, settings_.tls_ca_file.c_str(), nullptr,
                                     settings_.tls_cert_file.empty() ? nullptr : settings_.tls_cert_file.c_str(),
                                     settings_.tls_key_file.empty() ? nullptr : settings_.tls_key_file.c_str(), nullptr);
    if (rc != MOSQ_ERR_SUCCESS) fail("TLS settings refused: " + reason(rc) + " (check tls-ca-file, tls-cert-file, tls-key-file)");
  }
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) fail("cannot create an eventfd: " + std::string(std::strerror(errno)));
  thread_ = std::thread(&MqttChannel::run, this);
}

MqttChannel::~MqttChannel() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake();
  thread_.join();
  close(wake_fd_);
  mosquitto_destroy(mosq_);
}

bool MqttChannel::push(std::string message) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= settings_.max_queue) {
      ++dropped_;
      return false;
    }
    queue_.push_back(std::move(message));
  }
  wake();
  return true;
}

bool MqttChannel::drain(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return drained_.wait_for(lock, timeout, [&] { return queue_.empty(); });
}

ChannelStats MqttChannel::stats() const {
  std::lock_guard lock(mu_);
  return {published_, dropped_, queue_.size(), connected_};
}

void MqttChannel::wake() {
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
}

// The queue's front goes out when the broker is there and nothing is in flight: one at a time keeps
// the order across reconnects (libmosquitto resends the one in flight first).
void MqttChannel::send_next() {
  std::string message;
  {
    std::lock_guard lock(mu_);
    if (!connected_ || in_flight_ || queue_.empty()) return;
    message = queue_.front();
    in_flight_ = true;
  }
  int mid = 0;
  const int rc = mosquitto_publish(mosq_, &mid, settings_.topic.c_str(), static_cast<int>(message.size()), message.data(),
                                   settings_.qos, false);
  std::lock_guard lock(mu_);
  if (rc != MOSQ_ERR_SUCCESS) {
    in_flight_ = false;  // not taken (the connection just went): sent again once it is back
    return;
  }
  if (settings_.qos == 0) {  // no acknowledgement to wait for
    in_flight_ = false;
    queue_.pop_front();
    ++published_;
    if (queue_.empty()) drained_.notify_all();
  } else {
    in_flight_mid_ = mid;
  }
}

void MqttChannel::on_connect(mosquitto*, void* self, int rc) {
  auto* c = static_cast<MqttChannel*>(self);
  if (rc != 0) {
    c->listener_(Event::ConnectFailed, std::string("the broker refused the connection: ") + mosquitto_connack_string(rc));
    return;
  }
  {
    std::lock_guard lock(c->mu_);
    c->connected_ = true;
  }
  c->listener_(Event::Connected, c->settings_.host + ":" + std::to_string(c->settings_.port));
}

void MqttChannel::on_disconnect(mosquitto*, void* self, int rc) {
  auto* c = static_cast<MqttChannel*>(self);
  bool was;
  {
    std::lock_guard lock(c->mu_);
    was = c->connected_;
    c->connected_ = false;
  }
  if (was) c->listener_(Event::Disconnected, reason(rc));
}

void MqttChannel::on_publish(mosquitto*, void* self, int mid) {
  auto* c = static_cast<MqttChannel*>(self);
  std::lock_guard lock(c->mu_);
  if (c->settings_.qos == 0 || !c->in_flight_ || mid != c->in_flight_mid_) return;
  c->in_flight_ = false;
  c->queue_.pop_front();
  ++c->published_;
  if (c->queue_.empty()) c->drained_.notify_all();
}

// The network thread: libmosquitto's external-loop interface (mosquitto_socket, loop_read/write/misc)
// with an eventfd beside the socket, so a pushed message goes out at once, not at the next timeout.
void MqttChannel::run() {
  using Clock = std::chrono::steady_clock;
  bool socket_up = false, first = true, said_failure = false;
  auto next_attempt = Clock::now();
  std::chrono::milliseconds backoff(250);
  const auto fail = [&](const std::string& why) {
    socket_up = false;
    next_attempt = Clock::now() + backoff;
    backoff = std::min(backoff * 2, std::chrono::milliseconds(4000));
    bool connected;
    {
      std::lock_guard lock(mu_);
      connected = connected_;
    }
    // One word per outage, not one per attempt.
    if (!connected && !said_failure) {
      said_failure = true;
      listener_(Event::ConnectFailed, "cannot reach the MQTT broker at " + settings_.host + ":" + std::to_string(settings_.port) +
                                          ": " + why + " (retrying; messages wait in the queue)");
    }
  };
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stop_) break;
      if (connected_) {
        said_failure = false;
        backoff = std::chrono::milliseconds(250);
      }
    }
    if (!socket_up && Clock::now() >= next_attempt) {
      const int rc = first ? mosquitto_connect_async(mosq_, settings_.host.c_str(), settings_.port, settings_.keepalive_s)
                           : mosquitto_reconnect_async(mosq_);
      if (rc == MOSQ_ERR_SUCCESS) {
        socket_up = true;
        first = false;
      } else {
        fail(reason(rc));
      }
    }
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {-1, 0, 0}};
    const int sock = socket_up ? mosquitto_socket(mosq_) : -1;
    if (sock >= 0) fds[1] = {sock, static_cast<short>(POLLIN | (mosquitto_want_write(mosq_) ? POLLOUT : 0)), 0};
    const auto wait = socket_up ? std::chrono::milliseconds(1000)
                                : std::max(std::chrono::milliseconds(0),
                                           std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt - Clock::now()));
    poll(fds, sock >= 0 ? 2 : 1, static_cast<int>(wait.count()));
    if (fds[0].revents & POLLIN) {
      uint64_t n;
      (void)!read(wake_fd_, &n, sizeof n);
    }
    if (socket_up) {
      int rc = MOSQ_ERR_SUCCESS;
      if (sock < 0) rc = MOSQ_ERR_NO_CONN;
      if (rc == MOSQ_ERR_SUCCESS && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) rc = mosquitto_loop_read(mosq_, 1);
      if (rc == MOSQ_ERR_SUCCESS && mosquitto_want_write(mosq_)) rc = mosquitto_loop_write(mosq_, 1);
      if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_loop_misc(mosq_);
      if (rc != MOSQ_ERR_SUCCESS || mosquitto_socket(mosq_) < 0) fail(reason(rc == MOSQ_ERR_SUCCESS ? MOSQ_ERR_CONN_LOST : rc));
    }
    send_next();
    if (socket_up && mosquitto_want_write(mosq_) && mosquitto_socket(mosq_) >= 0) mosquitto_loop_write(mosq_, 1);
  }
  if (socket_up) {
    mosquitto_disconnect(mosq_);
    mosquitto_loop_write(mosq_, 1);
  }
}

}  // namespace feremotion
