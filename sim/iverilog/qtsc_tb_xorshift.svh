// Shared by the Icarus testbenches (included inside their modules): the
// xorshift32 generator behind the random stalls, so a stall pattern is a
// function of the seed only and the same in every testbench.
logic [31:0] rng;
function automatic logic [31:0] xorshift(input logic [31:0] s);
  logic [31:0] t;
  t = s ^ (s << 13);
  t = t ^ (t >> 17);
  return t ^ (t << 5);
endfunction
