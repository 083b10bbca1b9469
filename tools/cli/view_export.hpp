// `envforge view`: a static viewer of a store (index.html, viewer.js, viewer.css and data/*.js)
// that opens from disk in a browser with no server and no network, or the same page served from
// loopback (--serve) for stores too large to write out. The page code is embedded from
// tools/view/; the data files are scripts that call EF.put (browsers refuse fetch() on file://):
// a summary, every episode's row (5,000 a file), the transcripts (100 episodes a file) and the
// tasks (100 a file), the last two loaded when an episode is opened.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace envforge::cli {

struct ViewConfig {
    std::string db;
    std::vector<std::string> runs;  // empty: every run
    std::string out;
};

struct ViewSummary {
    size_t runs = 0, episodes = 0, tasks = 0, files = 0;
    size_t bytes = 0;
};

// The viewer's files, made from the store: the rows and the summary at construction, the
// transcripts and tasks when asked for. Throws InvalidInput (a run not in the store) and IoError.
class ViewSource {
public:
    ViewSource(const std::string& db, const std::vector<std::string>& runs);
    ~ViewSource();
    // Every file name: index.html, viewer.js, viewer.css, data/NAME.js.
    std::vector<std::string> files() const;
    // A file's bytes and content type; false when there is no such file.
    bool get(const std::string& name, std::string& body, std::string& content_type) const;
    size_t runs() const;
    size_t episodes() const;
    size_t tasks() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

// Writes every file into config.out (a new or empty directory, or an earlier viewer's).
ViewSummary write_viewer(const ViewConfig& config);

// Serves the viewer on host:port (0: any free port, reported through on_listening) until
// `stop`; GET only; anything but the viewer's files is 404.
void serve_viewer(const ViewSource& source, const std::string& host, int port, const std::function<void(int)>& on_listening,
                  const std::atomic<bool>& stop);

}  // namespace envforge::cli
