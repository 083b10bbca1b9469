#include "envgen/code/mutation.hpp"

#include <cstdio>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "common/errors.hpp"
#include "common/utf8.hpp"
#include "envgen/episode_sandbox.hpp"
#include "envgen/episode_workspace.hpp"
#include "envgen/mutate.hpp"
#include "sandbox/sandbox.hpp"

namespace envforge::code {

namespace asio = boost::asio;

std::vector<Mutant> make_mutants(const Project& p) {
    // The source files, never the tests (a package may hold its own test directory), and only
    // UTF-8 text: the interpreter parses nothing else as Python.
    Json files = Json::object();
    for (const auto& [path, content] : p.files)
        for (const auto& d : p.source_dirs)
            if ((path.rfind(d + "/", 0) == 0 || path == d) && path.ends_with(".py") && !in_test_dir(path, p.test_dir) &&
                is_valid_utf8(content))
                files.set(path, content);
    const PrivateDir tmp("mutate");
    const std::string& dir = tmp.path();
    write_files(dir, {{"mutate.py", kMutatePy}, {"request.json", Json::object({{"files", files}}).dump()}});
    // The sandbox's own interpreter parses the program (its ast is the one the tests run with).
    asio::io_context io;
    sandbox::Sandbox box(io, sandbox_backend(), 1);
    sandbox::Request r;
    r.argv = {"sh", "-c", "python3 -I mutate.py < request.json"};
    r.env = {"PATH=/usr/bin:/bin"};
    r.workdir = dir;
    r.limits.wall_seconds = 120;
    r.limits.cpu_seconds = 120;
    r.limits.output_bytes = 64 << 20;
    auto f = asio::co_spawn(io, box.run(std::move(r)), asio::use_future);
    io.run();
    const sandbox::Result res = f.get();
    if (res.reason != sandbox::Reason::Exit || res.exit_code != 0)
        throw InvalidInput("project '" + p.name + "': making mutants failed (" + sandbox::reason_name(res.reason) +
                           "): " + res.err.text().substr(0, 300));
    const Json j = Json::parse(res.out.text(), "mutants of " + p.name);
    for (const Json& skipped : j.at("skipped").as_array())
        std::fprintf(stderr, "code: %s: not mutated (does not parse): %s\n", p.name.c_str(), skipped.as_string().c_str());
    std::vector<Mutant> out;
    for (const Json& m : j.at("mutants").as_array())
        out.push_back({m.get_string("file"), m.get_string("op"), m.get_string("description"), m.get_string("old"), m.get_string("new"),
                       static_cast<int>(m.get_int("line")), static_cast<size_t>(m.get_int("start")),
                       static_cast<size_t>(m.get_int("end"))});
    return out;
}

}  // namespace envforge::code
