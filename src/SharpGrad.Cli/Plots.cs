namespace SharpGrad.Cli;

/// <summary>PNG charts of training runs, drawn with ScottPlot.</summary>
internal static class Plots
{
    /// <summary>Training loss (left axis) and test accuracy (right axis) per epoch.</summary>
    public static void TrainingCurves(string path, IReadOnlyList<(int Epoch, double TrainLoss, double TestAccuracy)> points)
    {
        var plot = new ScottPlot.Plot();
        double[] epochs = points.Select(p => (double)p.Epoch).ToArray();
        var loss = plot.Add.Scatter(epochs, points.Select(p => p.TrainLoss).ToArray());
        loss.LegendText = "train loss";
        var accuracyAxis = plot.Axes.AddRightAxis();
        var accuracy = plot.Add.Scatter(epochs, points.Select(p => 100 * p.TestAccuracy).ToArray());
        accuracy.LegendText = "test accuracy (%)";
        accuracy.Axes.YAxis = accuracyAxis;
        plot.Title("SharpGrad training");
        plot.XLabel("epoch");
        plot.YLabel("train loss");
        accuracyAxis.LabelText = "test accuracy (%)";
        plot.ShowLegend(ScottPlot.Alignment.MiddleRight);
        var png = plot.GetImageBytes(800, 500, ScottPlot.ImageFormat.Png);
        SharpGrad.IO.AtomicFile.Write(path, stream => stream.Write(png), "curves");
    }

    /// <summary>Training and validation loss per epoch (nats per character) of a language model.</summary>
    public static void LossCurves(string path, IReadOnlyList<(int Epoch, double TrainLoss, double ValLoss)> points)
    {
        var plot = new ScottPlot.Plot();
        double[] epochs = points.Select(p => (double)p.Epoch).ToArray();
        plot.Add.Scatter(epochs, points.Select(p => p.TrainLoss).ToArray()).LegendText = "train loss";
        plot.Add.Scatter(epochs, points.Select(p => p.ValLoss).ToArray()).LegendText = "validation loss";
        plot.Title("SharpGrad language model");
        plot.XLabel("epoch");
        plot.YLabel("loss (nats per character)");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        var png = plot.GetImageBytes(800, 500, ScottPlot.ImageFormat.Png);
        SharpGrad.IO.AtomicFile.Write(path, stream => stream.Write(png), "curves");
    }
}
