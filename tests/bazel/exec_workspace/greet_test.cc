#include "greet.h"
int main() { return Greet("x") == "hello x" ? 0 : 1; }
