; expect: 2:12: error: unknown segment kind 'inputs'; expected input, weight, output or scratch
.segment x inputs size=4
