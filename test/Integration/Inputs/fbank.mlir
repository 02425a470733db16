// A front-end graph: one second of 16 kHz audio to its Kaldi fbank.
module @fbank attributes {amae.batch = 1 : i64} {
  func.func @features(%wave: tensor<16000xf32> {amae.input = "wave"}) -> (tensor<98x128xf32> {amae.output = "fbank"}) {
    %f = amae.fbank %wave {sample_rate = 16000 : i64} : (tensor<16000xf32>) -> tensor<98x128xf32>
    return %f : tensor<98x128xf32>
  }
}
