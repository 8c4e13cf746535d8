// SPDX-License-Identifier: GPL-2.0 OR MIT
// Compiles only as C++17 (a C++20 keyword used as a name).
int main()
{
	int concept = 0;
	return concept;
}
