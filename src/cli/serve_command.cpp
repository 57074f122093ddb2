// `bertcpp serve`: the command-line face of bertcpp_server.
#include "cli/commands.h"
#include "server/server.h"

#include <fstream>
#include <iostream>
#include <stdexcept>

namespace bertcpp::cli {

void run_serve(const ServeArgs& args) {
  server::ServerOptions options = args.server;
  options.encoder = encoder_options(args.model);
  if (!args.api_key_file.empty()) {
    std::ifstream in(args.api_key_file);
    if (!in || !std::getline(in, options.api_key)) throw std::runtime_error(args.api_key_file + ": cannot read the API key");
    while (!options.api_key.empty() && (options.api_key.back() == '\r' || options.api_key.back() == ' '))
      options.api_key.pop_back();
    if (options.api_key.empty()) throw std::runtime_error(args.api_key_file + ": the API key (first line) is empty");
  }
  options.on_listening = [](const std::string& host, int port) {
    const bool v6 = host.find(':') != std::string::npos;
    std::cout << "bertcpp serve: listening on http://" << (v6 ? "[" + host + "]" : host) << ':' << port << std::endl;
  };
  server::serve(options);
  std::cout << "bertcpp serve: stopped" << std::endl;
}

}  // namespace bertcpp::cli
