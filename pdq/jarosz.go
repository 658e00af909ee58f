package pdq

// blurDecimate is the reference's jaroszFilterFloat on buf1 followed by
// decimateFloat into a. The decimation reads only 64 columns of the blurred
// image and columns are filtered independently, so the last vertical pass
// runs on those 64 columns alone and the last horizontal pass divides only
// there. Every value that is read is computed by exactly the reference's
// float32 operations, in its order.
func (h *hasher) blurDecimate() {
	rows, cols := h.rows, h.cols
	wRows := (cols + 127) / 128 // the window along rows spans columns
	wCols := (rows + 127) / 128
	colIdx, rowIdx := decimationIndex(cols), decimationIndex(rows)
	in, tmp := h.buf1[:rows*cols], h.buf2[:rows*cols]
	for range jaroszPasses - 1 {
		boxRows(in, tmp, rows, cols, wRows, true)
		boxColumns(tmp, in, rows, cols, wCols, h.sums[:cols])
	}

	boxRows(in, tmp, rows, cols, wRows, false) // running sums, undivided
	var div [64]float32
	for k, c := range colIdx {
		div[k] = float32(windowCount(c, cols, wRows))
	}
	narrow := h.buf1[:rows*64] // buf1 is free again
	for r := range rows {
		sums, dst := tmp[r*cols:(r+1)*cols], narrow[r*64:(r+1)*64]
		for k, c := range colIdx {
			dst[k] = sums[c] / div[k]
		}
	}
	out := h.buf2[:rows*64]
	boxColumns(narrow, out, rows, 64, wCols, h.sums[:64])
	for i, r := range rowIdx {
		copy(h.a[i][:], out[r*64:(r+1)*64])
	}
}

// decimationIndex returns the 64 sample positions of decimateFloat along a
// side of n pixels: the centres of 64 equal cells.
func decimationIndex(n int) (idx [64]int) {
	for i := range idx {
		idx[i] = int((float64(i) + 0.5) * float64(n) / 64)
	}
	return idx
}

// windowCount is the number of samples box1D has summed when it writes
// output i of a vector of n: the window shrinks near both ends.
func windowCount(i, n, window int) int {
	half := (window + 2) / 2
	return min(i+half, window, window+n-half-i)
}

// boxRows applies box1D to each row of in (rows×cols), four rows at a time.
// With divide false it stores the running sums instead of the averages.
func boxRows(in, out []float32, rows, cols, window int, divide bool) {
	r := 0
	for ; r+4 <= rows; r += 4 {
		box1D4(in[r*cols:(r+4)*cols], out[r*cols:(r+4)*cols], cols, window, divide)
	}
	for ; r < rows; r++ {
		box1D(in[r*cols:(r+1)*cols], out[r*cols:(r+1)*cols], window, divide)
	}
}

// box1D is the reference's box1DFloat on a contiguous vector: a running
// sum that first grows to half a window, then slides, then shrinks, each
// output divided by the number of samples actually summed (or, with divide
// false, the sum itself). The order of float32 operations (add the right
// sample, then subtract the left one) is the reference's, so the bits agree.
func box1D(in, out []float32, window int, divide bool) {
	half := (window + 2) / 2
	n := len(in)
	var sum float32
	count, ri, li, oi := 0, 0, 0, 0
	put := func() {
		if divide {
			out[oi] = sum / float32(count)
		} else {
			out[oi] = sum
		}
		oi++
	}
	for range half - 1 {
		sum += in[ri]
		ri++
		count++
	}
	for range window - half + 1 {
		sum += in[ri]
		ri++
		count++
		put()
	}
	for range n - window {
		sum += in[ri]
		sum -= in[li]
		ri++
		li++
		put()
	}
	for range half - 1 {
		sum -= in[li]
		li++
		count--
		put()
	}
}

// box1D4 is box1D on four consecutive rows of n samples at once. Each
// row's running sum is a serial chain of float32 additions; interleaving
// four independent chains keeps the processor busy while each waits, and
// every row still sees exactly box1D's operations in box1D's order.
func box1D4(in, out []float32, n, window int, divide bool) {
	in0, in1, in2, in3 := in[:n], in[n:2*n], in[2*n:3*n], in[3*n:4*n]
	out0, out1, out2, out3 := out[:n], out[n:2*n], out[2*n:3*n], out[3*n:4*n]
	half := (window + 2) / 2
	var s0, s1, s2, s3 float32
	count, ri, li, oi := 0, 0, 0, 0
	put := func() {
		if divide {
			c := float32(count)
			out0[oi], out1[oi], out2[oi], out3[oi] = s0/c, s1/c, s2/c, s3/c
		} else {
			out0[oi], out1[oi], out2[oi], out3[oi] = s0, s1, s2, s3
		}
		oi++
	}
	for range half - 1 {
		s0 += in0[ri]
		s1 += in1[ri]
		s2 += in2[ri]
		s3 += in3[ri]
		ri++
		count++
	}
	for range window - half + 1 {
		s0 += in0[ri]
		s1 += in1[ri]
		s2 += in2[ri]
		s3 += in3[ri]
		ri++
		count++
		put()
	}
	// The sliding phase is the hot loop; keep the test of divide out of it.
	if divide {
		c := float32(count)
		for ; ri < n; ri, li, oi = ri+1, li+1, oi+1 {
			s0 += in0[ri]
			s1 += in1[ri]
			s2 += in2[ri]
			s3 += in3[ri]
			s0 -= in0[li]
			s1 -= in1[li]
			s2 -= in2[li]
			s3 -= in3[li]
			out0[oi], out1[oi], out2[oi], out3[oi] = s0/c, s1/c, s2/c, s3/c
		}
	} else {
		for ; ri < n; ri, li, oi = ri+1, li+1, oi+1 {
			s0 += in0[ri]
			s1 += in1[ri]
			s2 += in2[ri]
			s3 += in3[ri]
			s0 -= in0[li]
			s1 -= in1[li]
			s2 -= in2[li]
			s3 -= in3[li]
			out0[oi], out1[oi], out2[oi], out3[oi] = s0, s1, s2, s3
		}
	}
	for range half - 1 {
		s0 -= in0[li]
		s1 -= in1[li]
		s2 -= in2[li]
		s3 -= in3[li]
		li++
		count--
		put()
	}
}

// boxColumns is box1D applied to every column of in (rows×cols, row-major),
// written to out. It walks the rows in order with one running sum per
// column, which performs exactly the per-column operations of the reference
// while reading memory sequentially.
func boxColumns(in, out []float32, rows, cols, window int, sums []float32) {
	half := (window + 2) / 2
	clear(sums)
	count, ri, li, oi := 0, 0, 0, 0
	add := func() {
		src := in[ri*cols : (ri+1)*cols]
		for j, v := range src {
			sums[j] += v
		}
		ri++
	}
	write := func(c float32) {
		dst := out[oi*cols : (oi+1)*cols]
		for j, s := range sums {
			dst[j] = s / c
		}
		oi++
	}
	for range half - 1 {
		add()
		count++
	}
	for range window - half + 1 {
		add()
		count++
		write(float32(count))
	}
	c := float32(count)
	for range rows - window {
		src, old := in[ri*cols:(ri+1)*cols], in[li*cols:(li+1)*cols]
		dst := out[oi*cols : (oi+1)*cols]
		for j := range sums {
			s := sums[j] + src[j]
			s -= old[j]
			sums[j] = s
			dst[j] = s / c
		}
		ri++
		li++
		oi++
	}
	for range half - 1 {
		old := in[li*cols : (li+1)*cols]
		for j, v := range old {
			sums[j] -= v
		}
		li++
		count--
		write(float32(count))
	}
}
