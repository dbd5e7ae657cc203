#include "agent/vault_proxy/write_now.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <array>
#include <string>
#include <string_view>

namespace panguard::agent {
namespace {

namespace asio = boost::asio;
using Local = asio::local::stream_protocol;

struct SocketPair {
  asio::io_context io;
  Local::socket writer{io};
  Local::socket reader{io};
  SocketPair() { asio::local::connect_pair(writer, reader); }
};

std::string read_available(Local::socket& socket, std::size_t size) {
  std::string bytes(size, '\0');
  boost::system::error_code ec;
  const std::size_t n = asio::read(socket, asio::buffer(bytes), ec);
  bytes.resize(n);
  return bytes;
}

TEST(WriteNowTest, NonBlockingSocketTakesTheWholeMessageAtOnce) {
  SocketPair pair;
  pair.writer.non_blocking(true);
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";
  const std::array buffers{asio::buffer(head), asio::buffer(std::string_view("ok"))};
  boost::system::error_code ec;
  EXPECT_EQ(write_now(pair.writer, buffers, ec), head.size() + 2);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(read_available(pair.reader, head.size() + 2), head + "ok");
}

TEST(WriteNowTest, FullSocketBufferTakesPartOrNothingWithoutAnError) {
  SocketPair pair;
  pair.writer.non_blocking(true);
  pair.writer.set_option(asio::socket_base::send_buffer_size(4096));
  const std::string big(4 * 1024 * 1024, 'x');
  boost::system::error_code ec;
  const std::size_t first = write_now(pair.writer, asio::buffer(big), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_GT(first, 0u);
  EXPECT_LT(first, big.size()) << "a 4 MiB message cannot fit a 4 KiB socket buffer";
  // Now full: nothing more goes, and that is not an error (the caller waits asynchronously).
  EXPECT_EQ(write_now(pair.writer, asio::buffer(big), ec), 0u);
  EXPECT_FALSE(ec) << ec.message();
}

TEST(WriteNowTest, ClosedPeerIsAnError) {
  SocketPair pair;
  pair.writer.non_blocking(true);
  pair.reader.close();
  boost::system::error_code ec;
  EXPECT_EQ(write_now(pair.writer, asio::buffer(std::string_view("lost")), ec), 0u);
  EXPECT_EQ(ec, asio::error::broken_pipe) << ec.message();
}

// Nothing is waiting on the reader's side (checked without blocking).
bool nothing_arrived(Local::socket& reader) {
  reader.non_blocking(true);
  char byte = 0;
  boost::system::error_code ec;
  reader.read_some(asio::buffer(&byte, 1), ec);
  return ec == asio::error::would_block;
}

// A blocking socket would wait inside the call, and a TLS stream's bytes are not the socket's:
// neither is written here.
TEST(WriteNowTest, BlockingSocketsAndTlsStreamsWriteNothing) {
  SocketPair pair;
  boost::system::error_code ec;
  EXPECT_EQ(write_now(pair.writer, asio::buffer(std::string_view("wait")), ec), 0u);
  EXPECT_FALSE(ec);
  EXPECT_TRUE(nothing_arrived(pair.reader));

  pair.writer.non_blocking(true);
  asio::ssl::context context(asio::ssl::context::tls_client);
  boost::beast::ssl_stream<Local::socket&> tls(pair.writer, context);
  EXPECT_EQ(write_now(tls, asio::buffer(std::string_view("plain text")), ec), 0u);
  EXPECT_FALSE(ec);
  EXPECT_TRUE(nothing_arrived(pair.reader));
}

}  // namespace
}  // namespace panguard::agent
