// envforge import: load task specs (JSONL, as written by `export --format tasks`) into the
// store. All lines are checked before anything is written, so a bad file changes nothing.
#include <cstdio>
#include <fstream>

#include "envgen/kind.hpp"
#include "common/errors.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/pipeline.hpp"

namespace envforge::cli {

int cmd_import(int argc, char** argv) {
    Args a("import", "Import task specs from a JSONL file (one envforge.task/1 object per line).",
           {{"db", "FILE", "store", "envforge.db"},
            {"tasks", "FILE", "JSONL file of tasks", nullptr},
            {"json", nullptr, "print a JSON summary", nullptr}},
           argc, argv);
    if (a.print_help_if_asked()) return 0;
    if (!a.has("tasks")) throw InvalidInput("envforge import: --tasks FILE is required (see --help)");
    const std::string path = a.get("tasks");
    std::ifstream in(path);
    if (!in) throw IoError("tasks file '" + path + "': cannot open");
    std::vector<Task> tasks;
    std::string line;
    for (size_t n = 1; std::getline(in, line); ++n) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const std::string where = path + ":" + std::to_string(n);
        try {
            Task t = Task::parse(line);
            require_kind(t.kind).check_env(t);
            tasks.push_back(std::move(t));
        } catch (const InvalidInput& e) {
            throw InvalidInput(where + ": " + e.what());
        }
    }
    Store store(a.get("db"));
    size_t added = store.add_tasks(tasks);
    if (a.flag("json"))
        std::printf("%s\n",
                    Json::object({{"tasks", static_cast<int64_t>(tasks.size())}, {"new", static_cast<int64_t>(added)}}).dump().c_str());
    else std::printf("imported %zu tasks (%zu new) into %s\n", tasks.size(), added, a.get("db").c_str());
    return 0;
}

}  // namespace envforge::cli
