// `envforge view`: writes a static viewer of a store (index.html, viewer.js, viewer.css and
// data/*.js) that opens from disk in a browser with no server and no network. The page code is
// embedded from tools/view/; the data files are scripts that call EF.put (browsers refuse
// fetch() on file://): a summary, every episode's row (5,000 a file), the transcripts (100
// episodes a file) and the tasks (100 a file), the last two loaded when an episode is opened.
#pragma once

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

// Throws InvalidInput (a run that is not in the store, an output directory that holds other
// files) and IoError.
ViewSummary write_viewer(const ViewConfig& config);

}  // namespace envforge::cli
