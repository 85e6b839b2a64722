#include "cli/commands.hpp"

int main(int argc, char** argv) { return vkmix::cli::run(argc, argv); }
