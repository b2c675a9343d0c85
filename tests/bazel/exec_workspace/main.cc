#include <iostream>
#include "greet.h"
int main() { std::cout << Greet("kiln") << std::endl; }
