// One entry point per sub-command (each in tools/cmd_<name>.cpp). Each returns the exit code:
// 0 success, 1 checks failed (validate, replay), 2 bad usage or bad input (thrown as
// InvalidInput/IoError and reported by main).
#pragma once

namespace envforge::cli {

int cmd_generate(int argc, char** argv);
int cmd_synth(int argc, char** argv);
int cmd_validate(int argc, char** argv);
int cmd_run(int argc, char** argv);
int cmd_replay(int argc, char** argv);
int cmd_export(int argc, char** argv);
int cmd_stats(int argc, char** argv);
int cmd_show(int argc, char** argv);
int cmd_view(int argc, char** argv);
int cmd_import(int argc, char** argv);
int cmd_merge(int argc, char** argv);
int cmd_sandbox(int argc, char** argv);
int cmd_model(int argc, char** argv);
// `model prompt` and `model parse` (tools/cmd_model_chat.cpp), dispatched by cmd_model.
int model_prompt(int argc, char** argv);
int model_parse(int argc, char** argv);
int cmd_tokenize(int argc, char** argv);
int cmd_serve(int argc, char** argv);

}  // namespace envforge::cli
