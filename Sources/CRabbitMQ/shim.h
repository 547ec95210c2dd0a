#ifndef FLEETWATCH_CRABBITMQ_SHIM_H
#define FLEETWATCH_CRABBITMQ_SHIM_H
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>
#include <amqp_framing.h>
#include <sys/eventfd.h>

/* amqp_login is variadic, which Swift cannot call: PLAIN login through a fixed signature. */
static inline amqp_rpc_reply_t fleetwatch_amqp_login_plain(amqp_connection_state_t state, const char *vhost,
                                                           int channel_max, int frame_max, int heartbeat,
                                                           const char *user, const char *password) {
  return amqp_login(state, vhost, channel_max, frame_max, heartbeat, AMQP_SASL_METHOD_PLAIN, user, password);
}

/* The same with client properties (connection_name shows in the management UI). */
static inline amqp_rpc_reply_t fleetwatch_amqp_login_plain_properties(amqp_connection_state_t state, const char *vhost,
                                                                      int channel_max, int frame_max, int heartbeat,
                                                                      const amqp_table_t *properties,
                                                                      const char *user, const char *password) {
  return amqp_login_with_properties(state, vhost, channel_max, frame_max, heartbeat, properties,
                                    AMQP_SASL_METHOD_PLAIN, user, password);
}

/* Method ids and property flags are macros with casts, which Swift does not import. */
static const amqp_method_number_t fleetwatch_method_basic_deliver = AMQP_BASIC_DELIVER_METHOD;
static const amqp_method_number_t fleetwatch_method_basic_ack = AMQP_BASIC_ACK_METHOD;
static const amqp_method_number_t fleetwatch_method_basic_nack = AMQP_BASIC_NACK_METHOD;
static const amqp_method_number_t fleetwatch_method_basic_return = AMQP_BASIC_RETURN_METHOD;
static const amqp_method_number_t fleetwatch_method_basic_cancel = AMQP_BASIC_CANCEL_METHOD;
static const amqp_method_number_t fleetwatch_method_channel_close = AMQP_CHANNEL_CLOSE_METHOD;
static const amqp_method_number_t fleetwatch_method_connection_close = AMQP_CONNECTION_CLOSE_METHOD;
static const amqp_method_number_t fleetwatch_method_connection_blocked = AMQP_CONNECTION_BLOCKED_METHOD;

static const amqp_flags_t fleetwatch_flag_content_type = AMQP_BASIC_CONTENT_TYPE_FLAG;
static const amqp_flags_t fleetwatch_flag_headers = AMQP_BASIC_HEADERS_FLAG;
static const amqp_flags_t fleetwatch_flag_delivery_mode = AMQP_BASIC_DELIVERY_MODE_FLAG;
static const amqp_flags_t fleetwatch_flag_type = AMQP_BASIC_TYPE_FLAG;

/* The broker closed a channel or the connection: answer with close-ok as the protocol requires. */
static inline int fleetwatch_send_channel_close_ok(amqp_connection_state_t state, amqp_channel_t channel) {
  amqp_channel_close_ok_t ok = {0};
  return amqp_send_method(state, channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
}

static inline int fleetwatch_send_connection_close_ok(amqp_connection_state_t state) {
  amqp_connection_close_ok_t ok = {0};
  return amqp_send_method(state, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
}

/* The wake-up descriptor a connection thread polls beside its socket. */
static inline int fleetwatch_eventfd_open(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }
static inline void fleetwatch_eventfd_signal(int fd) { (void)eventfd_write(fd, 1); }
static inline void fleetwatch_eventfd_drain(int fd) {
  eventfd_t value;
  (void)eventfd_read(fd, &value);
}
#endif
