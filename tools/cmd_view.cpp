// envforge view: a static trajectory viewer of a store, opened from disk in a browser.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include "common/errors.hpp"
#include "common/json.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/view_export.hpp"

namespace envforge::cli {

namespace {
std::atomic<bool> g_view_stop{false};
void on_view_signal(int) { g_view_stop = true; }
}  // namespace

int cmd_view(int argc, char** argv) {
    Args a("view",
           "Write a trajectory viewer of the store: OUT/index.html opens from disk (file://) in Chromium or Firefox, with no server "
           "and no network. Pages: overview (runs, pass rates by kind and difficulty, pass@k, distributions, validation), "
           "episodes (filters, search, sorting), one episode (task, turns, tool calls, verdict, the agent's diff beside the gold "
           "patch), a task's rollouts side by side with their GRPO advantages, and two runs compared.",
           {{"db", "FILE", "store", "envforge.db"},
            {"run", "NAMES", "only these runs (comma-separated; default: every run)", nullptr},
            {"out", "DIR", "where the viewer is written (a new or empty directory, or an earlier viewer's)", nullptr},
            {"serve", nullptr, "serve the same page on loopback instead of writing it (stores too large to write out)", nullptr},
            {"port", "P", "with --serve: the port (0: any free one, printed)", "8080"},
            {"json", nullptr, "print a JSON summary", nullptr}},
           argc, argv, true);
    if (a.print_help_if_asked()) return 0;
    if (!a.positional().empty()) throw InvalidInput("envforge view: unexpected argument '" + a.positional()[0] + "' (see --help)");
    ViewConfig cfg;
    cfg.db = a.get("db");
    cfg.out = a.get("out");
    if (cfg.out.empty() == !a.flag("serve")) throw InvalidInput("envforge view: give -o/--out DIR, or --serve (one of them)");
    if (a.has("port") && !a.flag("serve")) throw InvalidInput("--port applies with --serve only");
    if (!std::filesystem::exists(cfg.db)) throw InvalidInput("--db '" + cfg.db + "': no such file");
    const std::string runs = a.get("run");
    for (size_t i = 0; i <= runs.size();) {
        const size_t j = std::min(runs.find(',', i), runs.size());
        if (j > i) cfg.runs.push_back(runs.substr(i, j - i));
        i = j + 1;
    }
    if (a.flag("serve")) {
        const ViewSource source(cfg.db, cfg.runs);
        std::signal(SIGINT, on_view_signal);
        std::signal(SIGTERM, on_view_signal);
        serve_viewer(
            source, "127.0.0.1", static_cast<int>(a.get_int("port", 0, 65535)),
            [&](int port) {
                std::printf("serving a viewer of %zu runs, %zu episodes on http://127.0.0.1:%d/ (Ctrl-C stops)\n", source.runs(),
                            source.episodes(), port);
                std::fflush(stdout);
            },
            g_view_stop);
        return 0;
    }
    const ViewSummary s = write_viewer(cfg);
    const std::string index = (std::filesystem::absolute(cfg.out) / "index.html").string();
    if (a.flag("json"))
        std::printf("{\"runs\": %zu, \"episodes\": %zu, \"tasks\": %zu, \"files\": %zu, \"bytes\": %zu, \"index\": %s}\n", s.runs,
                    s.episodes, s.tasks, s.files, s.bytes, Json(index).dump().c_str());
    else
        std::printf("viewer of %zu runs, %zu episodes, %zu tasks: %zu files, %.1f MB; open file://%s\n", s.runs, s.episodes, s.tasks,
                    s.files, static_cast<double>(s.bytes) / 1e6, index.c_str());
    return 0;
}

}  // namespace envforge::cli
