use super::*;

/// The per-row norms DP-SGD clips by equal the norms of gradients computed row by row.
#[test]
fn per_row_norms_equal_single_row_gradients() -> Result<()> {
    let dev = Device::Cpu;
    let params = GanParams {
        latent_size: 4,
        ..GanParams::default()
    };
    let gan = Gan::init(params, 10, 3, &dev)?;
    let mut r = rng::rng(5, 0);
    let x = rng::uniform(&mut r, 4, 10, 0.0, 1.0, &dev)?;
    let y = rng::uniform(&mut r, 4, 1, 0.9, 1.0, &dev)?;
    let disc = &gan.discriminator;
    let d = gan.forward(disc, &x, false)?;
    let dl = (candle_nn::ops::sigmoid(&d.output)? - &y)?;
    let norms = gan.per_row_sq_norms(disc, &d, &dl)?.to_vec1::<f32>()?;
    for (i, want) in norms.iter().enumerate() {
        let xi = x.narrow(0, i, 1)?;
        let di = gan.forward(disc, &xi, false)?;
        let dli = (candle_nn::ops::sigmoid(&di.output)? - y.narrow(0, i, 1)?)?;
        let (grads, _) = gan.backward(disc, &di, &dli, true, false)?;
        let mut got = 0.0f32;
        for g in grads {
            got += g.sqr()?.sum_all()?.to_scalar::<f32>()?;
        }
        assert!(
            (got - want).abs() <= 1e-4 * want.max(1.0),
            "row {i}: {got} vs {want}"
        );
    }
    Ok(())
}

/// The moving average is saved, loaded and generates; the live generator trains on. A
/// model.json from before the field existed has neither average nor R1 penalty.
#[test]
fn the_weight_average_is_saved_loaded_and_generates() -> Result<()> {
    let dev = Device::Cpu;
    let params = GanParams {
        latent_size: 4,
        ..GanParams::default()
    };
    let gan = Gan::init(params.clone(), 10, 3, &dev)?;
    let z = rng::normal(&mut rng::rng(5, 0), 8, 4, &dev)?;
    let before = gan.generate(&z)?.to_vec2::<f32>()?;
    // A step of the live generator moves the average by (1 - decay) of the way only.
    let w = &gan.generator[2].bias;
    w.set(&(w.as_tensor() + 1.0)?)?;
    let ramp = params.generator_ema.min(2.0 / 11.0);
    gan.update_ema(1, 1)?;
    let avg = gan.generator_ema.as_ref().expect("kept")[2]
        .bias
        .to_vec1::<f32>()?;
    assert!(
        avg.iter().all(|b| (b - (1.0 - ramp)).abs() < 1e-6),
        "{avg:?}"
    );
    assert_ne!(gan.generate(&z)?.to_vec2::<f32>()?, before);
    let live = gan.forward(&gan.generator, &z, true)?.output;
    assert_ne!(gan.generate(&z)?.to_vec2::<f32>()?, live.to_vec2::<f32>()?);

    let saved: HashMap<String, Tensor> = gan.tensors().into_iter().collect();
    assert_eq!(saved.len(), 18);
    let loaded = Gan::from_tensors(params.clone(), 10, &saved).expect("complete");
    assert_eq!(
        loaded.generate(&z)?.to_vec2::<f32>()?,
        gan.generate(&z)?.to_vec2::<f32>()?
    );
    let mut partial = saved.clone();
    partial.remove("generator_ema.dense3.bias");
    let err = Gan::from_tensors(params.clone(), 10, &partial)
        .err()
        .expect("missing");
    assert!(err.contains("generator_ema.dense3.bias"), "{err}");

    let mut old = serde_json::to_value(&params).expect("serialises");
    let fields = old.as_object_mut().expect("an object");
    fields.remove("generator_ema");
    fields.remove("r1_penalty");
    let old: GanParams = serde_json::from_value(old).expect("old model.json");
    assert_eq!((old.generator_ema, old.r1_penalty), (0.0, 0.0));
    let plain = Gan::from_tensors(old, 10, &saved).expect("ignores the average");
    assert!(plain.generator_ema.is_none());
    Ok(())
}

/// The R1 gradients equal finite differences of `γ/2 · mean ‖∇ₓ D(x)‖²`, the input
/// gradient taken by the discriminator's own backward pass.
#[test]
fn r1_gradients_match_finite_differences() -> Result<()> {
    let dev = Device::Cpu;
    let gan = Gan::init(GanParams::default(), 10, 7, &dev)?;
    let mut r = rng::rng(11, 0);
    let x = rng::uniform(&mut r, 6, 10, -0.1, 1.0, &dev)?;
    let gamma = 2.5f32;
    let disc = &gan.discriminator;
    let penalty = |gan: &Gan| -> Result<f64> {
        let d = gan.forward(disc, &x, false)?;
        let (_, dx) = gan.backward(disc, &d, &d.output.ones_like()?, false, true)?;
        let sq = dx.expect("asked").sqr()?.sum(1)?.mean_all()?;
        Ok(gamma as f64 / 2.0 * sq.to_scalar::<f32>()? as f64)
    };
    let grads = gan.r1_grads(&gan.forward(disc, &x, false)?, gamma)?;
    // Small enough that no LeakyReLU changes side (at 1e-2 one does), large enough for f32.
    let eps = 1e-3f32;
    for (layer, grad) in [(0usize, &grads[0]), (1, &grads[2]), (2, &grads[4])] {
        let var = &disc[layer].weight;
        let w0 = var.flatten_all()?.to_vec1::<f32>()?;
        let g = grad.flatten_all()?.to_vec1::<f32>()?;
        for i in [0, w0.len() / 2, w0.len() - 1] {
            let nudged = |delta: f32| -> Result<f64> {
                let mut w = w0.clone();
                w[i] += delta;
                var.set(&Tensor::from_slice(&w, var.shape(), &dev)?)?;
                penalty(&gan)
            };
            let numeric = (nudged(eps)? - nudged(-eps)?) / (2.0 * eps as f64);
            var.set(&Tensor::from_slice(&w0, var.shape(), &dev)?)?;
            assert!(
                (numeric - g[i] as f64).abs() <= 1e-3 + 1e-2 * numeric.abs(),
                "layer {layer} weight {i}: {numeric} vs {}",
                g[i]
            );
        }
    }
    for bias in [&grads[1], &grads[3], &grads[5]] {
        assert_eq!(bias.abs()?.sum_all()?.to_scalar::<f32>()?, 0.0);
    }
    Ok(())
}
